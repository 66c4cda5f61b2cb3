"""Each dashboard card's number is the number of rows of the list its link opens (issue 18,
"Done means"), for every role that sees the dashboard, on the demo data.

A card whose value is a count and which has a link must open a list (a page whose context
has a paginator or an ``object_list``) holding exactly that many rows. Cards that show an
amount or a rate are not counts; their links are only checked to answer 200.
"""

import io

import pytest
from django.test import Client
from django.test.client import RequestFactory

from anju.core.dashboard import cards_for

pytestmark = pytest.mark.django_db

ROLES = ["admin", "manager", "agent", "cashier", "finance", "committee"]


def _count(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).replace(",", "").strip()
    return int(text) if text.isdigit() else None


def _rows(response):
    ctx = response.context
    if ctx is None:
        return None
    for name in ("paginator",):
        if ctx.get(name) is not None:
            return ctx[name].count
    page = ctx.get("page_obj")
    if page is not None:
        return page.paginator.count
    rows = ctx.get("object_list")
    if rows is not None:
        return rows.count() if hasattr(rows, "count") and not isinstance(rows, list) else len(rows)
    return None


@pytest.fixture
def demo_world():
    from anju.core import demo

    return demo.build(out=io.StringIO(), progress=False)


def test_every_card_count_equals_the_rows_its_link_opens(demo_world):
    problems, checked = [], 0
    for login in ROLES:
        user = demo_world.staff[login]
        request = RequestFactory().get("/console/")
        request.user = user
        request.community_id = None
        request.session = {}
        client = Client()
        client.force_login(user)
        for card in cards_for(request):
            link = card.get("link")
            if not link:
                continue
            response = client.get(link)
            if response.status_code != 200:
                problems.append(
                    f"{login}: {card['title']} -> {link} answered {response.status_code}"
                )
                continue
            count = _count(card.get("value"))
            if count is None:
                continue
            rows = _rows(response)
            checked += 1
            if rows is None:
                problems.append(f"{login}: {card['title']} ({count}) -> {link} is not a list")
            elif rows != count:
                problems.append(f"{login}: {card['title']} says {count}, {link} lists {rows}")
    assert checked, "no card was checked"
    assert not problems, "\n".join(problems)
