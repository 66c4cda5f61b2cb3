"""Money: Decimal with 2 places, rounded ROUND_HALF_UP once per line. Never float."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_decimal(value) -> Decimal:
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, AttributeError) as exc:
        raise ValueError(f"not a number: {value!r}") from exc


def quantize(value) -> Decimal:
    """Round to the fen, half up: the one rounding rule of Anju (DOMAIN.md §4)."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def allocate(total: Decimal, weights: list[Decimal], remainder_index: int = 0) -> list[Decimal]:
    """Split ``total`` by ``weights``; the rounding remainder goes to one designated line,
    so the shares add up to ``total`` exactly (公摊, 维修资金分摊)."""
    total = quantize(total)
    weight_sum = sum(weights, Decimal(0))
    if not weights:
        return []
    if weight_sum == 0:
        raise ValueError("weights must not all be zero")
    shares = [quantize(total * w / weight_sum) for w in weights]
    shares[remainder_index] += total - sum(shares, Decimal(0))
    return shares


class MoneyField(models.DecimalField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)
