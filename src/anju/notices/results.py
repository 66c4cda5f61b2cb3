"""Read side: survey results from SQL aggregates. One GROUP BY (question, score) scan of the
scored answers gives every figure (dimension scores, satisfaction, NPS, distributions); a
covering index on PostgreSQL serves it, so 100,000 responses compute in well under a second."""

from django.db.models import Count, F
from django.db.models.lookups import GreaterThan

from .choices import Dimension, QuestionKind, SurveyStatus
from .models import Answer, Question, Survey

SCORED = (QuestionKind.RATING, QuestionKind.NPS)
TEXT_SAMPLES = 20


def _r(value, digits=1):
    return None if value is None else round(float(value), digits)


def is_low(kind, score) -> bool:
    """A dissatisfied answer: rating 1-2 of 5, or an NPS detractor (0-6 of 10)."""
    return (kind == QuestionKind.RATING and score <= 2) or (kind == QuestionKind.NPS and score <= 6)


def normalised(kind, score) -> float:
    """A rating (1-5) or an NPS score (0-10) on the 0-100 scale of the results."""
    return (score - 1) * 25.0 if kind == QuestionKind.RATING else score * 10.0


def score_table(survey_id):
    """{question_id: {score: count}} for rating, NPS and single-choice answers (one query)."""
    table = {}
    rows = (
        Answer.objects.filter(survey_id=survey_id, kind__in=[*SCORED, QuestionKind.SINGLE])
        .order_by()
        .values_list("question_id", "score")
        .annotate(n=Count("*"))
    )
    for question_id, score, n in rows:
        table.setdefault(question_id, {})[score] = n
    return table


def summarise(questions, table):
    """Per-dimension score (0-100), satisfaction (score >= 75) and dissatisfied counts, overall, NPS."""
    dims, overall = {}, {"sum": 0.0, "n": 0, "satisfied": 0}
    nps = {"n": 0, "promoters": 0, "detractors": 0}
    for q in questions:
        if q.kind not in SCORED:
            continue
        d = dims.setdefault(q.dimension, {"sum": 0.0, "n": 0, "satisfied": 0, "low": 0})
        for score, n in table.get(q.pk, {}).items():
            norm = normalised(q.kind, score)
            for acc in (d, overall):
                acc["sum"] += norm * n
                acc["n"] += n
                acc["satisfied"] += n if norm >= 75 else 0
            d["low"] += n if is_low(q.kind, score) else 0
            if q.kind == QuestionKind.NPS:
                nps["n"] += n
                nps["promoters"] += n if score >= 9 else 0
                nps["detractors"] += n if is_low(q.kind, score) else 0
    for d in dims.values():
        d["score"] = d["sum"] / d["n"] if d["n"] else None
    overall["score"] = overall["sum"] / overall["n"] if overall["n"] else None
    return dims, overall, nps


def overall_score(survey):
    questions = list(survey.questions.all())
    _dims, overall, _nps = summarise(questions, score_table(survey.pk))
    return overall["score"]


def previous_survey(survey):
    """The community's last survey before this one (the quarter before, for quarterly ones)."""
    candidates = Survey.objects.filter(
        community_id=survey.community_id, status__in=[SurveyStatus.OPEN, SurveyStatus.CLOSED]
    ).exclude(pk=survey.pk)
    if survey.period:
        return (
            candidates.filter(period__lt=survey.period)
            .exclude(period="")
            .order_by("-period")
            .first()
        )
    return candidates.filter(created_at__lt=survey.created_at).order_by("-created_at").first()


def survey_results(survey, *, visible_communities=None):
    questions = list(survey.questions.all())
    table = score_table(survey.pk)
    dims, overall, nps = summarise(questions, table)
    previous = previous_survey(survey)
    prev_dims = {}
    if previous is not None:
        prev_dims, _o, _n = summarise(
            list(Question.objects.filter(survey=previous)), score_table(previous.pk)
        )
    dimensions = []
    for value, label in Dimension.choices:
        row, prev = dims.get(value), prev_dims.get(value)
        if (row is None or not row["n"]) and (prev is None or not prev["n"]):
            continue
        score = _r(row["score"]) if row else None
        prev_score = _r(prev["score"]) if prev else None
        dimensions.append(
            {
                "dimension": value,
                "label": str(label),
                "score": score,
                "answers": row["n"] if row else 0,
                "satisfaction_rate": _r(row["satisfied"] * 100 / row["n"])
                if row and row["n"]
                else None,
                "dissatisfied": row["low"] if row else 0,
                "previous_score": prev_score,
                "change": _r(score - prev_score)
                if score is not None and prev_score is not None
                else None,
            }
        )
    items = []
    for q in questions:
        item = {
            "id": q.pk,
            "order": q.order,
            "kind": q.kind,
            "text": q.text,
            "dimension": q.dimension,
            "dimension_label": str(Dimension(q.dimension).label),
            "options": q.options,
        }
        dist = table.get(q.pk, {})
        if q.kind == QuestionKind.MULTIPLE:
            counts = Answer.objects.filter(survey_id=survey.pk, kind=q.kind, question=q).aggregate(
                **{
                    f"o{i}": Count("id", filter=GreaterThan(F("score").bitand(1 << i), 0))
                    for i in range(len(q.options))
                }
            )
            item["counts"] = [counts[f"o{i}"] for i in range(len(q.options))]
        elif q.kind == QuestionKind.SINGLE:
            item["counts"] = [dist.get(i, 0) for i in range(len(q.options))]
        elif q.kind in SCORED:
            low, high = (1, 5) if q.kind == QuestionKind.RATING else (0, 10)
            item["counts"] = {str(i): dist.get(i, 0) for i in range(low, high + 1)}
            total = sum(dist.values())
            item["average"] = _r(sum(k * v for k, v in dist.items()) / total, 2) if total else None
        items.append(item)
    texts = []
    text_answers = Answer.objects.filter(survey_id=survey.pk, kind=QuestionKind.TEXT).exclude(
        text=""
    )
    for r in (
        text_answers.order_by().values("dimension").annotate(n=Count("id")).order_by("dimension")
    ):
        samples = list(
            text_answers.filter(dimension=r["dimension"])
            .order_by("-id")
            .values_list("text", flat=True)[:TEXT_SAMPLES]
        )
        texts.append(
            {
                "dimension": r["dimension"],
                "label": str(Dimension(r["dimension"]).label),
                "count": r["n"],
                "samples": samples,
            }
        )
    across = []
    if survey.period:
        peers = Survey.objects.filter(
            organization_id=survey.organization_id,
            period=survey.period,
            status__in=[SurveyStatus.OPEN, SurveyStatus.CLOSED],
        ).select_related("community")
        if visible_communities is not None:
            peers = peers.filter(community_id__in=visible_communities)
        for peer in peers.prefetch_related("questions"):
            score = overall["score"] if peer.pk == survey.pk else overall_score(peer)
            if score is not None:
                across.append(
                    {
                        "community": peer.community_id,
                        "name": peer.community.name,
                        "score": _r(score),
                        "current": peer.pk == survey.pk,
                    }
                )
        across.sort(key=lambda c: -c["score"])
    return {
        "survey": survey.pk,
        "title": survey.title,
        "period": survey.period,
        "status": survey.status,
        "invited": survey.invited_count,
        "responses": survey.response_count,
        "response_rate": _r(survey.response_rate),
        "overall_score": _r(overall["score"]),
        "satisfaction_rate": _r(overall["satisfied"] * 100 / overall["n"])
        if overall["n"]
        else None,
        "nps": _r((nps["promoters"] - nps["detractors"]) * 100 / nps["n"]) if nps["n"] else None,
        "dimensions": dimensions,
        "previous": {"survey": previous.pk, "title": previous.title, "period": previous.period}
        if previous
        else None,
        "communities": across,
        "questions": items,
        "free_text": texts,
    }
