"""Licences as rule data (持证上岗): what each certificate allows, with the legal basis beside it,
and the requirements a company may switch on for its work (``SUGGESTED_REQUIREMENTS``).

A requirement is a row of ``LicenceRequirement`` (company, kind of work, key, certificate
kind): a company that keeps none requires nothing, so adding the app changes no one's work
until the company says which work needs which licence. ``services.adopt_suggested_requirements``
writes the suggested ones below.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .choices import CertificateKind, WorkKind


@dataclass(frozen=True)
class LicenceRule:
    work: object  # what the licence allows (a lazy translation)
    basis: str  # the law, as cited


CERTIFICATE_RULES = {
    CertificateKind.ELECTRICIAN: LicenceRule(
        _("Electrical work (low-voltage electrician)"),
        "《安全生产法》第30条：特种作业人员必须按照国家有关规定经专门的安全作业培训，"
        "取得相应资格，方可上岗作业（特种作业操作证·电工作业）",
    ),
    CertificateKind.LIFT: LicenceRule(
        _("Lift operation and maintenance"),
        "《特种设备安全法》第14条：特种设备安全管理人员、检测人员和作业人员应当按照国家有关规定"
        "取得相应资格，方可从事相关工作",
    ),
    CertificateKind.BOILER: LicenceRule(
        _("Boiler operation"),
        "《特种设备安全法》第14条：特种设备作业人员应当取得相应资格，方可从事相关工作",
    ),
    CertificateKind.PRESSURE_VESSEL: LicenceRule(
        _("Pressure vessel operation"),
        "《特种设备安全法》第14条：特种设备作业人员应当取得相应资格，方可从事相关工作",
    ),
    CertificateKind.FIRE_OPERATOR: LicenceRule(
        _("Fire control room and fire facilities operation"),
        "《消防法》第21条第2款：进行电焊、气焊等具有火灾危险作业的人员和自动消防系统的操作人员，"
        "必须持证上岗，并遵守消防安全操作规程",
    ),
    CertificateKind.SECURITY_GUARD: LicenceRule(
        _("Security guard work"),
        "《保安服务管理条例》第16条：保安员应当取得保安员证",
    ),
    CertificateKind.HEALTH: LicenceRule(
        _("Food work (staff canteen)"),
        "《食品安全法》第45条：从事接触直接入口食品工作的食品生产经营人员应当每年进行健康检查，"
        "取得健康证明后方可上岗工作",
    ),
}

# (kind of work, key, licence): ticket categories (servicedesk), plans' asset categories
# (facilities.maintenance) and inspection route kinds (facilities.inspection).
SUGGESTED_REQUIREMENTS = (
    (WorkKind.TICKET, "elevator", CertificateKind.LIFT),
    (WorkKind.TICKET, "electricity", CertificateKind.ELECTRICIAN),
    (WorkKind.MAINTENANCE, "elevator", CertificateKind.LIFT),
    (WorkKind.MAINTENANCE, "power", CertificateKind.ELECTRICIAN),
    (WorkKind.MAINTENANCE, "fire_system", CertificateKind.FIRE_OPERATOR),
    (WorkKind.MAINTENANCE, "fire_alarm", CertificateKind.FIRE_OPERATOR),
    (WorkKind.INSPECTION, "security", CertificateKind.SECURITY_GUARD),
)


def basis_of(kind):
    rule = CERTIFICATE_RULES.get(kind)
    return rule.basis if rule else ""
