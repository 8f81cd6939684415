"""Input shapes of the public catalog pages. Rules live in selectors and services."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.procedures.selectors import CatalogQuery, catalog_categories, catalog_organizations


class CatalogSearchForm(forms.Form):
    """The GET search form on "/" (works without JavaScript)."""

    q = forms.CharField(label=_("キーワード"), required=False, max_length=100)
    category = forms.ChoiceField(label=_("分類"), required=False)
    organization = forms.ChoiceField(label=_("団体"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["category"]).choices = [
            ("", _("すべての分類")),
            *catalog_categories(),
        ]
        cast(forms.ChoiceField, self.fields["organization"]).choices = [
            ("", _("すべての団体")),
            *[(org.slug, org.name) for org in catalog_organizations()],
        ]

    def to_query(self) -> CatalogQuery:
        """The query to run; unknown choices are ignored rather than shown as errors."""
        if not self.is_bound:
            return CatalogQuery()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return CatalogQuery(
            q=(data.get("q") or self.data.get("q", "")[:100]).strip(),
            category=data.get("category", ""),
            organization=data.get("organization", ""),
        )
