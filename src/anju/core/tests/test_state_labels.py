"""A refused state change names the state and the actions by their labels in the user's
language; the API's structured field keeps the codes (issue 18)."""

import re

import pytest
from django.db import models
from django.utils import translation
from django.utils.translation import pgettext_lazy

from anju.core.errors import InvalidTransition
from anju.core.states import StateMachine


class Paid(models.TextChoices):
    UNPAID = "unpaid", pgettext_lazy("booking status", "Awaiting payment")
    CONFIRMED = "confirmed", pgettext_lazy("booking status", "Confirmed")


MACHINE = StateMachine(
    {
        "pay": ((Paid.UNPAID,), Paid.CONFIRMED),
        "cancel": ((Paid.UNPAID, Paid.CONFIRMED), None),
        "check-in": ((Paid.CONFIRMED,), None),
    }
)


def _refusal():
    with pytest.raises(InvalidTransition) as caught:
        MACHINE.check("check-in", "unpaid")  # the stored value, a plain string
    return caught.value


@pytest.mark.parametrize(
    "language, state, actions",
    [("zh-hans", "待缴费", ["取消", "付款"]), ("en", "Awaiting payment", ["Cancel", "Pay"])],
)
def test_the_message_names_labels_in_the_users_language(language, state, actions):
    with translation.override(language):
        exc = _refusal()
        message = str(exc.message)
    assert state in message
    assert all(a in message for a in actions), message
    for code in ("unpaid", "cancel", "pay", "check-in"):
        assert not re.search(rf"\b{code}\b", message), message
    assert exc.allowed == ["cancel", "pay"]  # the codes stay in the structured field
    assert exc.extra["allowed"] == ["cancel", "pay"]
    assert exc.extra["status_value"] == "unpaid"


def test_a_machine_on_a_model_reads_the_labels_of_its_status_field():
    from anju.spaces.models import Booking

    with translation.override("zh-hans"):
        with pytest.raises(InvalidTransition) as caught:
            Booking.machine.check("check-in", "unpaid")
        assert "待缴费" in str(caught.value.message)
    assert Booking.machine.model is Booking


def test_a_machine_may_name_its_own_actions():
    machine = StateMachine({"pay": (("unpaid",), "paid")}, labels={"pay": "Settle the fee"})
    with translation.override("en"), pytest.raises(InvalidTransition) as caught:
        machine.check("pay", "paid")
    assert "Settle the fee" in str(caught.value.message)
