"""What every e-invoice platform offers Anju: issue a blue invoice, issue the red-letter one
that reverses it, and ask where an issued one stands. Amounts are Decimal yuan, 2 places."""

import abc
from dataclasses import dataclass, field
from decimal import Decimal

from anju.core.errors import DomainError


class ProviderError(DomainError):
    """The platform refused or could not be reached: the invoice is ``failed`` with the
    platform's words, and can be issued again; a refused red-letter invoice changes nothing.
    A 409 in the API (the schema's "a conflicting change"), never a 5xx."""

    code = "invoice_provider_error"
    status = 409


@dataclass(frozen=True)
class InvoiceItem:
    name: str
    amount: Decimal  # tax included
    net: Decimal
    tax: Decimal
    vat_rate: Decimal


@dataclass(frozen=True)
class InvoiceOrder:
    """What the platform needs for one invoice: ``order_no`` is unique per invoice (the
    platform refuses a second order with the same number, so a retry never issues twice)."""

    order_no: str
    buyer_name: str
    buyer_tax_number: str
    buyer_email: str
    buyer_phone: str
    items: tuple[InvoiceItem, ...]
    # For a red-letter invoice: the blue invoice's code and number, and the reason.
    original_code: str = ""
    original_number: str = ""
    reason: str = ""


@dataclass
class InvoiceResult:
    """Where an invoice stands at the platform: ``state`` is ``issuing`` (accepted, not yet
    signed), ``issued`` or ``failed`` (with ``message``)."""

    serial: str
    state: str
    number: str = ""
    code: str = ""
    pdf_url: str = ""
    ofd_url: str = ""
    message: str = ""
    raw: dict = field(default_factory=dict)


class InvoiceProvider(abc.ABC):
    name = ""

    @abc.abstractmethod
    def issue(self, order: InvoiceOrder) -> InvoiceResult:
        """Submit a blue invoice; answers at least its serial (and the rest when ready)."""

    @abc.abstractmethod
    def issue_red(self, order: InvoiceOrder) -> InvoiceResult:
        """Submit the red-letter invoice of ``order.original_number`` (negative amounts)."""

    @abc.abstractmethod
    def query(self, serial: str) -> InvoiceResult:
        """Where the invoice with this platform serial stands."""
