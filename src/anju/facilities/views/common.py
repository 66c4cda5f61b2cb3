"""What the console pages of facilities share: the community filter of the console, a row the
viewer may see or 404, and the POST-only guard of the action endpoints."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect


def in_scope(view, queryset):
    """The queryset narrowed to the community chosen in the console, if one is."""
    community_id = view.request.community_id
    return queryset.in_community(community_id) if community_id else queryset


def scoped_or_404(request, model, pk, perm):
    """The row ``pk`` of ``model`` if the user may see it with ``perm``, else 404."""
    obj = model.objects.visible_to(request.user, perm).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def post_only(view):
    """An action endpoint: signed-in staff (else the login page), POST only (else 404)."""

    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(f"/console/login/?next={request.path}")
        if request.method != "POST":
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def form_errors(request, exc):
    messages.error(request, exc.message)
