"""URL map. Each app (``core.apps.anju_apps``) contributes ``api.register(router)`` and optional
``urls.console_urlpatterns`` / ``urls.portal_urlpatterns``; nothing here needs editing
when an app is added to INSTALLED_APPS."""

from csp.decorators import csp_exempt
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import DefaultRouter

from anju.core.api import views as core_api
from anju.core.apps import anju_apps
from anju.core.inbox import set_language
from anju.core.views import healthz

router = DefaultRouter()
console_patterns = []
portal_patterns = []
api_extra = []

for config in anju_apps():
    # An app's API is ``<app>/api.py`` or an ``api/`` package whose ``views`` may hold
    # register(router) and urlpatterns.
    for name in ("api", "api.views"):
        module = config.optional_module(name)
        if module is not None and hasattr(module, "register"):
            module.register(router)
            api_extra += getattr(module, "urlpatterns", [])
            break
    app_urls = config.optional_module("urls")
    if app_urls is not None:
        console_patterns += getattr(app_urls, "console_urlpatterns", [])
        portal_patterns += getattr(app_urls, "portal_urlpatterns", [])

# The busiest API routes first: Django tries each pattern's regex in turn, and the router holds
# some five hundred (prefixes never overlap, so their order changes nothing else).
BUSIEST = ("tickets",)
router.registry.sort(key=lambda entry: entry[0] not in BUSIEST)

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever a page links to; answer with our icon, not a 404.
    path(
        "favicon.ico",
        RedirectView.as_view(url=static("anju/icon.svg"), permanent=True),
        name="favicon",
    ),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/v1/me/", core_api.me, name="api-me"),
    path("api/v1/me/data/", core_api.my_data, name="api-my-data"),
    *[path("api/v1/", include(api_extra))],
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # ReDoc's page starts it with an inline script: the one page without our CSP.
    path(
        "api/redoc/",
        csp_exempt()(SpectacularRedocView.as_view(url_name="schema")),
        name="api-redoc",
    ),
    path("console/", include((console_patterns, "console"))),
    path("app/", include((portal_patterns, "portal"))),
    path("", include("anju.core.urls")),
]
# A database outage met in middleware answers 503 as in a view (core.faults); others are 500s.
handler500 = "anju.core.faults.server_error"
# No /media/: files are served only by /files/<id>/ (core.files), which checks who may see them.
