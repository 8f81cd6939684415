"""Root URLs. Each domain app that has a ``urls.py`` is mounted at its own prefix."""

from importlib.util import find_spec

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from madoguchi.config.api import api
from madoguchi.core import views as core_views

# app → URL prefix; an app without urls.py is skipped, so apps can grow independently.
# The catalog ("" → "/<org>/<procedure>/") comes last so it never shadows another prefix.
APP_PREFIXES = {
    "accounts": "accounts/",
    "accounts.staff_urls": "staff/",  # the staff door (sign-in, second factor); before review
    "applications": "applications/",
    "counter.applicant_urls": "applications/",  # the hand-over code a visitor shows at the counter
    "review": "staff/",
    "counter": "counter/",
    "notifications": "mailbox/",
    "reservations": "reservations/",
    "payments": "payments/",
    "knowledge": "help/",
    "feedback": "feedback/",
    "ideas": "ideas/",
    "insights": "insights/",
    "opendata.staff_urls": "opendata/staff/",  # staff publish datasets (before the catalog's <name>/)
    "opendata": "opendata/",
    "opendata.ckan_urls": "api/",  # CKAN's action API: /api/3/action/<name> (after api/v1/)
    "accounts.audit_urls": "audit/",  # the audit chain's page (behind the staff door)
    "retention": "records/",
    "ledger": "ledger/",
    "review.applicant_urls": "corrections/",
    "applications.bulk_urls": "builder/bulk/",
    "procedures.builder.urls": "builder/",
    "opendata.dcat_urls": "",  # DCAT at ckanext-dcat's paths: /catalog.ttl, /dataset/<name>.jsonld
    "procedures": "",
}

# Mounted right after the health check, before the fixed entries and the other apps: in an
# opening rush nearly every request is a booking page, and each include tried before its own
# was a failed match (the booking page's resolution 208 k instructions, 13 resolvers asked;
# docs/performance.md, "Issue 19, eleventh session (helper h1)"). No pattern mounted before it
# in the old order matched a path under its prefix, and its own match nothing else, so no path
# resolves differently (tests/test_url_order.py).
RESOLVED_FIRST = ("reservations",)


def _mount(app: str) -> list:
    module = f"madoguchi.{app}" if app.endswith("urls") else f"madoguchi.{app}.urls"
    return [path(APP_PREFIXES[app], include(module))] if find_spec(module) is not None else []


urlpatterns = [path("healthz", core_views.healthz, name="healthz")]
for app in RESOLVED_FIRST:
    urlpatterns += _mount(app)
urlpatterns += [
    # The language switch is in the one layout, also on public pages cached for everyone, which
    # carry no CSRF token; choosing a display language changes nothing worth forging.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("api/v1/", api.urls),
    path("dev/", include("madoguchi.core.urls")),
    path("accounts/oidc/", include("madoguchi.accounts.oidc.urls")),  # identity providers (docs/identity.md)
]
# The Django admin: only when DJANGO_ADMIN is on, and only for superusers in a staff session
# (accounts/admin_site.py).
if settings.DJANGO_ADMIN:
    urlpatterns.append(path("django-admin/", admin.site.urls))
for app in APP_PREFIXES:
    if app not in RESOLVED_FIRST:
        urlpatterns += _mount(app)

if not settings.DEBUG:
    handler404 = "madoguchi.core.views.not_found"
    handler500 = "madoguchi.core.views.server_error"
