from django.urls import path, register_converter

from madoguchi.procedures import views

# First path segments owned by other apps and by the project. Procedure pages live at
# /<org_slug>/<procedure_slug>/, so an organization may never use one of these slugs,
# and the converter below refuses them so /applications/<uuid>/ etc. still resolve.
# tests/test_views_catalog.py checks this list against config.urls.APP_PREFIXES.
RESERVED_SLUGS = (
    "accounts applications staff counter mailbox reservations payments help feedback ideas "
    "insights opendata audit api dev i18n django-admin static media healthz procedures corrections builder ledger "
    "records"
).split()


class OrganizationSlugConverter:
    regex = r"(?!(?:" + "|".join(RESERVED_SLUGS) + r")/)[-a-zA-Z0-9_]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(OrganizationSlugConverter, "orgslug")

app_name = "procedures"
urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("<orgslug:org_slug>/<slug:procedure_slug>/", views.procedure_detail, name="detail"),
]
