"""The orjson renderer writes the bytes DRF's own JSONRenderer writes."""

import datetime
import decimal
import uuid
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.renderers import JSONRenderer as DRFRenderer

from anju.core.api.renderers import JSONRenderer

SHANGHAI = ZoneInfo("Asia/Shanghai")


def both(data, media_type=None, context=None):
    return (
        JSONRenderer().render(data, media_type, context),
        DRFRenderer().render(data, media_type, context),
    )


def test_same_bytes_for_what_views_answer():
    data = {
        "count": 2,
        "next": None,
        "results": [
            {
                "id": 1,
                "title": "厨房漏水\u2028第二行\u2029",
                "opened_at": datetime.datetime(2026, 11, 27, 8, 30, 1, 123456, tzinfo=SHANGHAI),
                "closed_at": datetime.datetime(2026, 11, 27, 0, 0, tzinfo=datetime.UTC),
                "day": datetime.date(2026, 11, 27),
                "at": datetime.time(9, 30),
                "waited": datetime.timedelta(minutes=90),
                "amount": decimal.Decimal("12.30"),
                "label": gettext_lazy("Describe the problem."),
                "token": uuid.UUID(int=7),
                "actions": ("assign", "cancel"),
                "by_id": {3: "a", 4: ["b"]},
                "flag": True,
                "nothing": None,
            }
        ],
    }
    ours, drf = both(data)
    assert ours == drf
    assert b"\\u2028" in ours  # escaped as DRF does


def test_integers_orjson_refuses_are_rendered_by_drf():
    ours, drf = both({"big": 2**70, "small": -(2**70)})
    assert ours == drf == b'{"big":1180591620717411303424,"small":-1180591620717411303424}'


def test_indented_answers_are_drf_s():
    ours, drf = both({"a": [1, 2]}, "application/json; indent=4")
    assert ours == drf and b"\n    " in ours
    assert JSONRenderer().render(None) == b""


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.text()
    | st.decimals(allow_nan=False, allow_infinity=False, places=2),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=5) | st.integers(), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_same_bytes_for_any_value(value):
    ours, drf = both({"value": value})
    assert ours == drf
