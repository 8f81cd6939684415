"""HTML forms: they only shape input; the rules live in the services."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.notifications.constants import DocumentKind
from madoguchi.notifications.segments import SEGMENTS


class AccessibleForm(forms.Form):
    """Marks fields with errors for screen readers and takes service FieldErrors."""

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"{name}-error"}
                )

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            target = name if name in self.fields else None
            for message in messages:
                self.add_error(target, message)


class ContactPreferenceForm(AccessibleForm):
    email_enabled = forms.BooleanField(label=_("メールで受け取る"), required=False)
    line_enabled = forms.BooleanField(label=_("LINE で受け取る"), required=False)
    line_user_id = forms.CharField(
        label=_("LINE ユーザー ID"),
        required=False,
        max_length=64,
        help_text=_("公式アカウントを友だち追加すると表示される「U」で始まる ID です。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "inputmode": "latin"}),
    )


class TemplateForm(AccessibleForm):
    subject = forms.CharField(label=_("件名"), max_length=300)
    body = forms.CharField(label=_("本文"), widget=forms.Textarea(attrs={"rows": 10}))


class BatchUploadForm(AccessibleForm):
    title = forms.CharField(label=_("件名"), max_length=200, help_text=_("例: 2026年11月分 給与明細"))
    document_kind = forms.ChoiceField(
        label=_("書類の種類"), choices=DocumentKind.choices, initial=DocumentKind.PAYSLIP
    )
    archive = forms.FileField(
        label=_("PDF をまとめた ZIP ファイル"), help_text=_("1人1つの PDF を ZIP にまとめてください。")
    )
    mapping = forms.FileField(
        label=_("対応表（CSV）"),
        required=False,
        help_text=_("列: 職員番号, ファイル名（任意で 件名）。ZIP の中に入れた場合は不要です。"),
    )


class MemberImportForm(AccessibleForm):
    roster = forms.FileField(
        label=_("職員名簿（CSV）"),
        help_text=_(
            "列: 職員番号（または 組合員番号）, メールアドレス（任意で 氏名, 生年月日）。UTF-8 または Shift_JIS。"
        ),
    )


class PushForm(AccessibleForm):
    title = forms.CharField(label=_("件名"), max_length=200)
    body = forms.CharField(label=_("本文"), widget=forms.Textarea(attrs={"rows": 6}))
    kind = forms.ChoiceField(label=_("配信対象"), choices=())
    min_age = forms.CharField(
        label=_("下限の年齢"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "short"}),
    )
    max_age = forms.CharField(
        label=_("上限の年齢"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "short"}),
    )
    procedure = forms.CharField(label=_("手続の識別名（スラッグ）"), required=False)
    rate_per_minute = forms.CharField(
        label=_("1分あたりの送信数"),
        initial="600",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "short"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [(k, s.label) for k, s in SEGMENTS.items()]

    def segment(self) -> dict:
        data = self.cleaned_data
        return {k: data.get(k, "") for k in ("kind", "min_age", "max_age", "procedure")}
