"""The handover package's tables: which rows of which app travel, and how their links travel.

The handover is a migration of records between two Anju installations, so it reads and writes
the other apps' tables through Django's app registry (``apps.get_model``), never by importing
their models: the rows go across as recorded (posted bills and payments as posted, numbers and
dates kept), not through the services that would number and post them anew.

Every row of a table is written with ``"id": "<table>:<source pk>"``; a link to another row of
the package is that row's reference (``"house": "house:12"``); the receiving installation gives
new keys and remaps every reference. ``organization`` and ``community`` are not written: they
are the receiver's. A link to a staff account is written as the person's name, for the record,
and left empty on import (accounts do not travel). Links listed in ``left_out`` point at rows
that stay with the old company (billing runs, the rows an opening import checked, use requests
of the maintenance fund) and are left empty too. A vote's ``rule_set`` (rules both
installations ship) travels as its jurisdiction and effective date and is matched on import.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from anju.servicedesk.choices import ACTIVE_STATUSES


@dataclass(frozen=True)
class Table:
    name: str  # the package's name: the JSON file, the sheet, the reference prefix
    model: str  # "app_label.Model"
    label: object
    refs: dict = field(default_factory=dict)  # field -> table its reference points into
    m2m: dict = field(default_factory=dict)  # many-to-many field -> table
    left_out: tuple = ()  # fields not carried (emptied, or left to their default, on import)
    only: tuple = ()  # when set: the only plain fields carried (people: PIPL minimum)
    where: object = None  # community -> Q over the model, when not just ``community``

    @property
    def Model(self):  # noqa: N802 - a model class
        return apps.get_model(self.model)


def _people(community):
    """The people the receiver needs: those living in or owning a house of the community, the
    payers and liable owners of its bills and the reporters of its open tickets."""
    occupancy = apps.get_model("core.Occupancy")
    bill = apps.get_model("billing.Bill")
    ticket = apps.get_model("servicedesk.Ticket")
    return (
        Q(pk__in=occupancy.objects.filter(community=community).values("person_id"))
        | Q(pk__in=bill.objects.filter(community=community).values("payer_id"))
        | Q(pk__in=bill.objects.filter(community=community).values("liable_id"))
        | Q(
            pk__in=ticket.objects.filter(community=community, status__in=ACTIVE_STATUSES).values(
                "reporter_id"
            )
        )
    )


def _open_tickets(community):
    return Q(community=community, status__in=ACTIVE_STATUSES)


# In the order an import writes them: every reference points at a table above it (or at its
# own table, written in a second pass).
TABLES = [
    Table("building", "core.Building", _("Buildings")),
    Table("entrance", "core.Entrance", _("Building entrances"), refs={"building": "building"}),
    Table(
        "house",
        "core.House",
        _("Houses"),
        refs={"building": "building", "entrance": "entrance"},
    ),
    Table("person", "core.Person", _("People"), only=("name", "phone"), where=_people),
    Table(
        "occupancy",
        "core.Occupancy",
        _("Occupancies"),
        refs={"house": "house", "person": "person"},
    ),
    Table("fee_item", "billing.FeeItem", _("Fee standards")),
    Table(
        "bill",
        "billing.Bill",
        _("Bills"),
        refs={"house": "house", "payer": "person", "liable": "person"},
        left_out=("run",),
    ),
    Table(
        "bill_line",
        "billing.BillLine",
        _("Bill lines"),
        refs={"bill": "bill", "house": "house", "fee_item": "fee_item"},
    ),
    Table(
        "late_charge",
        "billing.LateCharge",
        _("Late charges"),
        refs={"bill": "bill", "line": "bill_line", "house": "house"},
    ),
    Table(
        "credit_note",
        "billing.CreditNote",
        _("Credit notes"),
        refs={"bill": "bill", "line": "bill_line", "house": "house"},
    ),
    Table(
        "payment", "billing.Payment", _("Payments"), refs={"house": "house"}, m2m={"bills": "bill"}
    ),
    Table("wallet", "billing.Wallet", _("Prepayment wallets"), refs={"house": "house"}),
    Table(
        "wallet_entry",
        "billing.WalletEntry",
        _("Prepayment movements"),
        refs={"house": "house", "wallet": "wallet", "payment": "payment"},
    ),
    Table(
        "allocation",
        "billing.Allocation",
        _("Allocations"),
        refs={
            "house": "house",
            "payment": "payment",
            "wallet_entry": "wallet_entry",
            "bill": "bill",
            "line": "bill_line",
            "late_charge": "late_charge",
        },
    ),
    Table(
        "opening",
        "finance.OpeningImport",
        _("Opening balance imports"),
        left_out=("data",),
    ),
    Table(
        "historic_payment",
        "finance.HistoricPayment",
        _("Historic payments"),
        refs={"house": "house", "opening": "opening"},
    ),
    Table(
        "deposit",
        "finance.HeldDeposit",
        _("Held deposits"),
        refs={"house": "house", "opening": "opening"},
    ),
    Table(
        "fund_account",
        "governance.FundAccount",
        _("Maintenance fund accounts"),
        refs={"house": "house"},
    ),
    Table(
        "fund_entry",
        "governance.FundEntry",
        _("Maintenance fund entries"),
        refs={"account": "fund_account", "house": "house"},
        left_out=("request", "allocation"),
    ),
    Table(
        "asset",
        "facilities.Asset",
        _("Assets"),
        refs={"building": "building"},
        left_out=("qr_token",),
    ),
    Table(
        "maintenance_plan",
        "facilities.MaintenancePlan",
        _("Maintenance plans"),
        m2m={"assets": "asset"},
    ),
    Table(
        "maintenance_task",
        "facilities.MaintenanceTask",
        _("Maintenance history"),
        refs={"plan": "maintenance_plan", "asset": "asset"},
        left_out=("ticket_id",),
    ),
    Table(
        "ticket",
        "servicedesk.Ticket",
        _("Open tickets"),
        refs={"house": "house", "building": "building", "reporter": "person", "parent": "ticket"},
        left_out=("source_type", "source_id"),
        where=_open_tickets,
    ),
    Table(
        "vote",
        "governance.Vote",
        _("Owners' votes"),
        m2m={"buildings": "building", "houses": "house"},
    ),
    Table("disclosure", "governance.Disclosure", _("Disclosures"), refs={"previous": "disclosure"}),
]
BY_NAME = {t.name: t for t in TABLES}

# Derived sheets: written for the reader, recomputed (not imported) on the other side.
ARREARS = "arrears"
ATTACHMENT = "attachment"

USER_MODEL = "core.User"


def rows_of(table, community):
    """The table's rows of ``community``, in key order (so references point backwards)."""
    Model = table.Model
    where = table.where(community) if table.where else Q(community=community)
    return Model._base_manager.filter(where).order_by("pk")


def carried_fields(table, *, id_numbers=False):
    """The concrete fields a row carries, in model order, without the tenancy keys."""
    fields = []
    for f in table.Model._meta.concrete_fields:
        if f.primary_key or f.name in ("organization", "community") or f.name in table.left_out:
            continue
        if f.name == "id_number_index":
            continue
        extra = id_numbers and f.name == "id_number"
        if table.only and not f.is_relation and f.name not in table.only and not extra:
            continue
        fields.append(f)
    return fields


def is_user_link(f):
    return f.is_relation and f.related_model._meta.label == USER_MODEL
