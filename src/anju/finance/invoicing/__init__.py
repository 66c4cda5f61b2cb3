"""E-invoice platforms behind one interface (``InvoiceProvider``): 诺诺 (``nuonuo``) and the
local sandbox (``local``), chosen by ``ANJU_INVOICE_PROVIDER`` and configured by settings only
(``ANJU_NUONUO``). Tests run the Nuonuo adapter against the fake server in
``finance/tests/fakes.py``; nothing reaches the internet."""

import logging

from django.conf import settings
from django.utils.translation import gettext as _

from anju.core.errors import DomainError

from .base import InvoiceItem, InvoiceOrder, InvoiceProvider, InvoiceResult, ProviderError
from .local import LocalProvider
from .nuonuo import NuonuoProvider

log = logging.getLogger(__name__)

__all__ = [
    "InvoiceItem",
    "InvoiceOrder",
    "InvoiceProvider",
    "InvoiceResult",
    "LocalProvider",
    "NuonuoProvider",
    "ProviderError",
    "get_provider",
]


def _unconfigured():
    return DomainError(
        _("E-invoicing is not set up yet: ask the system administrator."),
        code="invoice_provider_unconfigured",
    )


def get_provider(name=None) -> InvoiceProvider:
    name = name or getattr(settings, "ANJU_INVOICE_PROVIDER", "")
    if name == "local":
        return LocalProvider()
    if name == "nuonuo":
        try:
            return NuonuoProvider(**(getattr(settings, "ANJU_NUONUO", None) or {}))
        except (TypeError, ValueError) as exc:
            log.error("ANJU_NUONUO is incomplete: %s", exc)
            raise _unconfigured() from exc
    raise _unconfigured()
