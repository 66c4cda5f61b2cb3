"""Communities compared on the same measures (小区对比), for company management; and the same
for people (员工绩效).

An app's AppConfig may define ``community_metrics(user, community_ids, start, end, now)``
returning ``Metric`` rows: one measure, its value per community (None: nothing to measure),
computed in grouped queries (one per measure or per app, never one per community). Each app
checks its own permission and scopes its rows with ``visible_to``."""

from dataclasses import dataclass, field

from .apps import anju_apps


@dataclass
class Metric:
    key: str
    label: str
    unit: str  # "%" (a ratio 0..1), "¥", "/5" or "" (a count)
    better: str  # "high", "low" or "" (neither: a volume)
    values: dict = field(default_factory=dict)  # community id -> number or None
    section: str = ""

    def display(self, community_id):
        value = self.values.get(community_id)
        if value is None:
            return "—"
        if self.unit == "%":
            return f"{value * 100:.1f}%"
        if self.unit == "¥":
            return f"¥{value:,.2f}"
        if self.unit == "/5":
            return f"{value:.2f}"
        return f"{value:,}"

    def as_json(self, ids):
        """For the API: the values of ``ids`` (counts as numbers, ratios and money as text,
        None where there is nothing to measure)."""

        def plain(value):
            return value if value is None or isinstance(value, int) else str(value)

        return {
            "key": self.key,
            "label": str(self.label),
            "section": str(self.section),
            "unit": self.unit,
            "better": self.better,
            "values": {str(pk): plain(self.values.get(pk)) for pk in ids},
        }

    def tone(self, community_id):
        """ "best" or "worst" among the communities with a value (when they differ)."""
        if not self.better:
            return ""
        known = [v for v in self.values.values() if v is not None]
        value = self.values.get(community_id)
        if value is None or len(known) < 2 or min(known) == max(known):
            return ""
        best = max(known) if self.better == "high" else min(known)
        worst = min(known) if self.better == "high" else max(known)
        return "best" if value == best else "worst" if value == worst else ""


def ratio(part, whole):
    return round(part / whole, 4) if whole else None


def _gather(hook, user, ids, start, end, now=None):
    from django.utils import timezone

    now = now or timezone.now()
    metrics = []
    for config in anju_apps():
        metrics.extend(getattr(config, hook)(user, list(ids), start, end, now))
    return metrics


def community_metrics(user, community_ids, start, end, now=None):
    """Every app's measures for ``community_ids`` over [start, end] (dates)."""
    return _gather("community_metrics", user, community_ids, start, end, now)


def staff_metrics(user, staff_ids, start, end, now=None):
    """Every app's measures of the people ``staff_ids`` (user ids) over [start, end]: an app's
    ``staff_metrics(user, staff_ids, start, end, now)`` counts only the work in communities the
    viewer may see."""
    return _gather("staff_metrics", user, staff_ids, start, end, now)


def compare(user, start, end, now=None, limit=50):
    """(communities, metrics): the communities ``user`` may compare (by name, at most
    ``limit``) and every app's measures of them over [start, end]."""
    from .models import Community

    communities = list(
        Community.objects.visible_to(user, "core.compare.view").order_by("name")[:limit]
    )
    return communities, community_metrics(user, [c.pk for c in communities], start, end, now)
