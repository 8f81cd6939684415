"""Forms of the knowledge pages. They only *shape* input (strip, pick an organization the
signed-in member belongs to); the rules and their messages live once, in the services, and
come back into the form with ``add_service_errors``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.models import Organization
from madoguchi.core.errors import FieldErrors
from madoguchi.knowledge.constants import InquiryStatus, Visibility


def shown_required(field: forms.Field) -> forms.Field:
    """Label the field 必須 without letting the form enforce it (the service does, with its message)."""
    field.shown_required = True  # type: ignore[attr-defined]
    return field


class OfferedChoiceField(forms.ChoiceField):
    """Offers choices but does not judge the answer: the service does (so every message comes at once)."""

    def validate(self, value: Any) -> None:
        return None


class ServiceForm(forms.Form):
    """A form whose rules are a service's: ``FieldErrors`` from the service land next to the fields."""

    required_css_class = ""

    def add_service_errors(self, exc: FieldErrors) -> None:
        for key, messages in exc.as_dict().items():
            field = key if key in self.fields else None
            for message in messages:
                self.add_error(field, message)

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor id, message) for the summary at the top of the page."""
        out = []
        for key, errors in self.errors.items():
            anchor = self[key].auto_id if key in self.fields else ""
            out.extend((anchor, str(message)) for message in errors)
        return out


class OrganizationChoiceMixin:
    """An ``organization`` select limited to the organizations the member works for."""

    def set_organizations(self, organizations: Iterable[Organization], *, locked: bool = False) -> None:
        self.organizations = list(organizations)
        field = self.fields["organization"]  # type: ignore[attr-defined]
        field.choices = [(o.slug, o.name) for o in self.organizations]
        if locked:
            field.disabled = True

    def organization(self) -> Organization | None:
        slug = self.cleaned_data.get("organization")  # type: ignore[attr-defined]
        return next((o for o in self.organizations if o.slug == slug), None)


class FaqForm(OrganizationChoiceMixin, ServiceForm):
    organization = shown_required(OfferedChoiceField(label=_("団体"), required=False))
    question = shown_required(
        forms.CharField(
            label=_("質問"),
            required=False,
            help_text=_("住民の方が聞くような文にします。例: 保険証をなくしたときはどうすればいいですか？"),
        )
    )
    answer = shown_required(
        forms.CharField(
            label=_("回答"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 8}),
            help_text=_("改行はそのまま表示されます。使えるタグ: p, br, ul, ol, li, a, strong, em"),
        )
    )
    category = forms.CharField(label=_("分類"), required=False)
    keywords = forms.CharField(
        label=_("キーワード・言い換え"),
        required=False,
        help_text=_("住民の方が使いそうな言葉を、読点またはカンマで区切って入力します。"),
    )
    visibility = shown_required(
        OfferedChoiceField(
            label=_("公開範囲"),
            choices=Visibility.choices,
            initial=Visibility.PUBLIC,
            required=False,
            widget=forms.RadioSelect,
        )
    )
    related_procedures = forms.MultipleChoiceField(
        label=_("関連する手続"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("選んだ手続のページに、この質問へのリンクが表示されます。"),
    )
    review_on = forms.CharField(
        label=_("見直し予定日"),
        required=False,
        help_text=_("例: 2026-04-01"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def set_procedures(self, procedures: Iterable[Any]) -> None:
        self.procedures = list(procedures)
        self.fields["related_procedures"].choices = [(str(p.pk), p.title) for p in self.procedures]

    def service_data(self) -> dict[str, Any]:
        """The keyword arguments of ``faq_create`` / ``faq_update``."""
        data = {k: self.cleaned_data.get(k, "") for k in ("question", "answer", "category", "keywords")}
        data["visibility"] = self.cleaned_data.get("visibility") or ""
        data["review_on"] = self.cleaned_data.get("review_on") or ""
        chosen = set(self.cleaned_data.get("related_procedures") or [])
        data["related_procedures"] = [p for p in self.procedures if str(p.pk) in chosen]
        return data


class NoticeForm(OrganizationChoiceMixin, ServiceForm):
    organization = shown_required(OfferedChoiceField(label=_("団体"), required=False))
    title = shown_required(
        forms.CharField(label=_("件名"), required=False, help_text=_("200文字以内。例: 年末年始の窓口の休み"))
    )
    body = shown_required(
        forms.CharField(
            label=_("本文"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 8}),
            help_text=_("改行はそのまま表示されます。"),
        )
    )
    visibility = shown_required(
        OfferedChoiceField(
            label=_("公開範囲"),
            choices=Visibility.choices,
            initial=Visibility.PUBLIC,
            required=False,
            widget=forms.RadioSelect,
        )
    )

    def service_data(self) -> dict[str, str]:
        return {k: self.cleaned_data.get(k) or "" for k in ("title", "body", "visibility")}


class SynonymForm(OrganizationChoiceMixin, ServiceForm):
    organization = OfferedChoiceField(label=_("団体"), required=False)
    words = shown_required(
        forms.CharField(
            label=_("言葉"),
            required=False,
            help_text=_("カンマまたは読点で区切ります。例: 保険証, 健康保険証, ほけんしょう"),
        )
    )
    bidirectional = forms.BooleanField(
        label=_(
            "どの言葉から検索しても互いに見つける（外すと、最初の言葉で検索したときだけ残りの言葉も探します）"
        ),
        required=False,
        initial=True,
    )


class InquiryForm(ServiceForm):
    name = shown_required(
        forms.CharField(
            label=_("お名前"), required=False, widget=forms.TextInput(attrs={"autocomplete": "name"})
        )
    )
    email = shown_required(
        forms.CharField(
            label=_("メールアドレス"),
            required=False,
            widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
            help_text=_("回答をお送りするメールアドレスです。"),
        )
    )
    body = shown_required(
        forms.CharField(
            label=_("お問い合わせ内容"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 8, "autocomplete": "off"}),
            help_text=_("5,000文字以内で入力してください。"),
        )
    )

    def service_data(self) -> dict[str, str]:
        return {k: self.cleaned_data.get(k) or "" for k in ("name", "email", "body")}


class InquiryReplyForm(ServiceForm):
    body = shown_required(
        forms.CharField(
            label=_("回答"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 10}),
            help_text=_("お問い合わせの方のメールボックスとメールに届きます。5,000文字以内。"),
        )
    )


class InquiryStatusForm(ServiceForm):
    inquiry = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("状態"), choices=InquiryStatus.choices)


class SearchForm(forms.Form):
    """The search box (GET): the words, and optionally one kind of result."""

    q = forms.CharField(label=_("検索する言葉"), required=False)
    type = forms.CharField(required=False)
    organization = forms.CharField(required=False)
