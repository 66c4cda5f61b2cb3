"""Asset ledger: create and change assets, certificates, fault reports, expiry alerts."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit, policy
from anju.core.numbering import next_number

from ..choices import TICKET_CATEGORY, AssetStatus, CertificateKind
from ..models import Asset, Certificate
from .common import alert_managers, full_clean, raise_ticket, refuse, same_community, snapshot

ASSET_FIELDS = {
    "building",
    "place",
    "code",
    "name",
    "category",
    "maker",
    "model_number",
    "serial_number",
    "installed_on",
    "warranty_until",
    "contractor",
    "contractor_phone",
    "status",
    "expected_life_years",
    "expires_on",
    "notes",
}


@transaction.atomic
def create_asset(*, actor, community, name, category, code="", **data):
    unknown = set(data) - ASSET_FIELDS
    if unknown:
        refuse(sorted(unknown)[0], _("Unknown field."))
    same_community("building", data.get("building"), community)
    if not code:
        code = next_number("SB", community.pk)
    asset = Asset(
        organization_id=community.organization_id,
        community=community,
        name=name,
        category=category,
        code=code,
        **data,
    )
    if Asset.objects.filter(community=community, code=code).exists():
        refuse("code", _("Another asset of this community already has this code."))
    _check_dates(asset)
    full_clean(asset, exclude=["qr_token"])
    asset.save()
    audit.record(actor, "facilities.asset.created", asset, after=snapshot(asset))
    return asset


def _check_dates(asset):
    if asset.warranty_until and asset.installed_on and asset.warranty_until < asset.installed_on:
        refuse("warranty_until", _("The warranty cannot end before the installation date."))


@transaction.atomic
def update_asset(asset, data, *, actor):
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    unknown = set(data) - ASSET_FIELDS
    if unknown:
        refuse(sorted(unknown)[0], _("Unknown field."))
    same_community("building", data.get("building"), asset.community)
    before = snapshot(asset)
    if (
        "code" in data
        and Asset.objects.filter(community_id=asset.community_id, code=data["code"])
        .exclude(pk=asset.pk)
        .exists()
    ):
        refuse("code", _("Another asset of this community already has this code."))
    for name, value in data.items():
        setattr(asset, name, value)
    _check_dates(asset)
    full_clean(asset, exclude=["qr_token"])
    asset.save()
    after = snapshot(asset)
    changed = {k: v for k, v in before.items() if after.get(k) != v}
    audit.record(
        actor,
        "facilities.asset.changed",
        asset,
        before=changed,
        after={k: after[k] for k in changed},
    )
    return asset


@transaction.atomic
def set_asset_status(asset, status, *, actor):
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    if asset.status == status:
        return asset
    before = asset.status
    asset.status = status
    asset.save(update_fields=["status"])
    audit.record(
        actor,
        "facilities.asset.status_changed",
        asset,
        before={"status": before},
        after={"status": status},
    )
    return asset


@transaction.atomic
def report_fault(asset, *, actor, description="", attachments=(), reporter=None, house=None):
    """One-tap fault report from the asset's QR page: opens (or finds) the repair ticket."""
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    text = description.strip() or _("Fault reported at %(asset)s (%(place)s).") % {
        "asset": asset,
        "place": asset.location or asset.community.name,
    }
    ticket = raise_ticket(
        actor=actor,
        community=asset.community,
        kind="repair",
        category=TICKET_CATEGORY.get(asset.category, "other"),
        description=text,
        source=asset,
        title=_("Fault: %(asset)s") % {"asset": asset.name},
        attachments=attachments,
        reporter=reporter,
        house=house,
        channel="staff"
        if policy.staff_has(actor, "facilities.asset.view", asset.community_id)
        else "portal",
    )
    if asset.status == AssetStatus.IN_SERVICE:
        asset.status = AssetStatus.FAULTY
        asset.save(update_fields=["status"])
    audit.record(
        actor,
        "facilities.asset.fault_reported",
        asset,
        after={"description": text, "ticket": getattr(ticket, "pk", None)},
    )
    return ticket


CERT_FIELDS = {"number", "authority", "issued_on", "expires_on"}


@transaction.atomic
def add_certificate(*, actor, asset, kind, **data):
    unknown = set(data) - CERT_FIELDS
    if unknown:
        refuse(sorted(unknown)[0], _("Unknown field."))
    cert = Certificate(
        organization_id=asset.organization_id,
        community_id=asset.community_id,
        asset=asset,
        kind=kind,
        **data,
    )
    if cert.issued_on and cert.expires_on and cert.expires_on <= cert.issued_on:
        refuse("expires_on", _("A certificate must expire after it was issued."))
    if kind == CertificateKind.PERIODIC_INSPECTION and not cert.expires_on:
        refuse("expires_on", _("A periodic inspection certificate needs its expiry date."))
    full_clean(cert)
    cert.save()
    audit.record(actor, "facilities.certificate.added", cert, after=snapshot(cert))
    return cert


def certificate_alert_text(cert):
    if cert.kind == CertificateKind.PERIODIC_INSPECTION:
        return _(
            "The periodic inspection certificate of %(asset)s expires on %(expires)s. Ask the inspection body for "
            "the periodic inspection by %(request)s (特种设备安全法第40条); without a valid inspection the "
            "equipment must not be used."
        ) % {
            "asset": cert.asset,
            "expires": f"{cert.expires_on:%Y-%m-%d}",
            "request": f"{cert.inspection_request_due:%Y-%m-%d}",
        }
    return _("%(kind)s of %(asset)s expires on %(expires)s.") % {
        "kind": cert.get_kind_display(),
        "asset": cert.asset,
        "expires": f"{cert.expires_on:%Y-%m-%d}",
    }


def sweep_certificate_expiry(today=None):
    """Alert the managers once per certificate, ``certificate_alert_days`` before it expires (and
    for a lift's inspection certificate no later than the request date one month before)."""
    due = Certificate.objects.filter(Certificate.expiring_q(today=today), alerted_at__isnull=True)
    sent = 0
    for cert_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            claimed = Certificate.objects.filter(pk=cert_id, alerted_at__isnull=True).update(
                alerted_at=timezone.now()
            )
            if not claimed:
                continue
            cert = Certificate.objects.select_related("asset", "community").get(pk=cert_id)
            title = _("Certificate expiring: %(asset)s") % {"asset": cert.asset.name}
            alert_managers(
                cert.community,
                title,
                certificate_alert_text(cert),
                link=f"/console/facilities/assets/{cert.asset_id}/",
            )
            audit.record(
                None,
                "facilities.certificate.expiry_alerted",
                cert,
                after={"expires_on": cert.expires_on.isoformat()},
            )
            sent += 1
    return sent
