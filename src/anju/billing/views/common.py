"""What the billing pages share: bills with their explained lines, the chosen community, the
receipt PDF."""

from django.shortcuts import get_object_or_404

from anju.core.models import Community

from .. import pdf, reports


def bills_with_lines(qs):
    bills = list(
        qs.select_related("house__building").prefetch_related("lines__fee_item", "late_charges")
    )
    for bill in bills:
        bill.explained = [(line, reports.explain_line(line)) for line in bill.lines.all()]
    return bills


def community_from(request, perm):
    communities = Community.objects.visible_to(request.user, perm)
    chosen = request.GET.get("community") or request.POST.get("community") or request.community_id
    if chosen:
        return get_object_or_404(communities, pk=chosen)
    # The one community the user works in; with several and none chosen, no guess: None.
    only = list(communities.order_by("pk")[:2])
    return only[0] if len(only) == 1 else None


def receipt_response(payment):
    return pdf.response(pdf.receipt_pdf(payment), payment.receipt_number)
