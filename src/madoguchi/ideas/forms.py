"""Forms of the proposal box and Q&A pages: they shape input; rules and messages are the
services' (``add_service_errors`` puts them next to the fields)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.core.errors import FieldErrors
from madoguchi.ideas.constants import ReportReason


def shown_required(field: forms.Field) -> forms.Field:
    field.shown_required = True  # type: ignore[attr-defined]
    return field


class OfferedChoiceField(forms.ChoiceField):
    def validate(self, value: Any) -> None:
        return None


class ServiceForm(forms.Form):
    required_css_class = ""

    def add_service_errors(self, exc: FieldErrors) -> None:
        for key, messages in exc.as_dict().items():
            for message in messages:
                self.add_error(key if key in self.fields else None, message)

    def error_summary(self) -> list[tuple[str, str]]:
        out = []
        for key, errors in self.errors.items():
            anchor = self[key].auto_id if key in self.fields else ""
            out.extend((anchor, str(message)) for message in errors)
        return out


class ProposalForm(ServiceForm):
    title = shown_required(forms.CharField(label=_("件名"), required=False, max_length=200))
    category = OfferedChoiceField(label=_("分類"), required=False)
    body = shown_required(
        forms.CharField(label=_("提案の内容"), required=False, widget=forms.Textarea(attrs={"rows": 10}))
    )
    attachment = forms.FileField(
        label=_("添付ファイル"),
        required=False,
        help_text=_("PDF・JPEG・PNG・Excel（xlsx）、1つ10 MBまで、1つの提案に3つまで。"),
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.xlsx"}),
    )

    def __init__(self, *args: Any, categories: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if categories:
            self.fields["category"].choices = [("", _("（選んでください）"))] + [(c, c) for c in categories]
        else:
            del self.fields["category"]


class QuestionForm(ServiceForm):
    title = shown_required(
        forms.CharField(
            label=_("質問"),
            required=False,
            max_length=200,
            help_text=_("一文で書きます。例: 在宅勤務の申請はいつまでに出せばよいですか？"),
        )
    )
    tags = forms.CharField(
        label=_("タグ"), required=False, help_text=_("空白で区切って5つまで。例: 在宅勤務 申請")
    )
    department = OfferedChoiceField(label=_("回答してほしい部署"), required=False)
    body = forms.CharField(label=_("詳しい内容"), required=False, widget=forms.Textarea(attrs={"rows": 6}))


class CommentForm(ServiceForm):
    body = shown_required(
        forms.CharField(label=_("コメント"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    )


class AnswerForm(ServiceForm):
    body = shown_required(
        forms.CharField(label=_("回答"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    )


class ReportForm(ServiceForm):
    reason = OfferedChoiceField(
        label=_("通報の理由"), required=False, choices=ReportReason.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("補足"), required=False, max_length=300)


class AssignForm(ServiceForm):
    department = OfferedChoiceField(label=_("担当部署"), required=False)
    due = forms.DateField(
        label=_("公式回答の期限"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class PrepareForm(ServiceForm):
    answer_status = OfferedChoiceField(label=_("回答後の状態"), required=False, widget=forms.RadioSelect)
    answer_body = shown_required(
        forms.CharField(label=_("公式回答"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["answer_status"].choices = list(choices or [])


class StatusForm(ServiceForm):
    status = OfferedChoiceField(label=_("次の状態"), required=False)


class HideForm(ServiceForm):
    reason = shown_required(
        forms.CharField(label=_("非表示にする理由（投稿者に伝えます）"), required=False, max_length=300)
    )


class SpaceForm(ServiceForm):
    name = shown_required(forms.CharField(label=_("名称"), required=False, max_length=200))
    slug = shown_required(
        forms.CharField(
            label=_("URLに使う名前"),
            required=False,
            max_length=60,
            help_text=_("半角英数字とハイフン。例: teian"),
        )
    )
    description = forms.CharField(label=_("説明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    kind = OfferedChoiceField(label=_("種類"), required=False, widget=forms.RadioSelect)
    visibility = OfferedChoiceField(label=_("公開範囲"), required=False, widget=forms.RadioSelect)
    anonymous = forms.BooleanField(label=_("投稿者名を「匿名」と表示する"), required=False)
    moderator_department = OfferedChoiceField(label=_("モデレーターの部署"), required=False)
    categories = forms.CharField(
        label=_("分類"), required=False, help_text=_("1行に1つ。"), widget=forms.Textarea(attrs={"rows": 4})
    )
    body_template = forms.CharField(
        label=_("本文のひな形"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    edit_minutes = forms.CharField(label=_("投稿後に編集できる時間（分）"), required=False)
    hide_after_reports = forms.CharField(label=_("自動で非表示にする通報の数"), required=False)
    answer_days = forms.CharField(label=_("公式回答の期限（日）"), required=False)
    statuses = forms.CharField(
        label=_("状態と進め方（提案箱）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 7, "class": "mono"}),
        help_text=_(
            "1行に1つの状態を「キー | 名称 | 英語の名称 | 種類 | 進める先のキー（空白で区切る）」で書きます。"
            "種類は 受付（投稿された提案が最初に入る。ちょうど1つ）・検討・実現（「実現した提案」に載る）・終了。"
            "例: considering | 検討中 | Under consideration | 検討 | realized declined。空欄にすると標準の状態に戻ります。"
        ),
    )

    def __init__(self, *args: Any, departments: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from madoguchi.ideas.constants import SpaceKind, Visibility

        self.fields["kind"].choices = SpaceKind.choices
        self.fields["visibility"].choices = Visibility.choices
        self.fields["moderator_department"].choices = [("", _("（管理者のみ）"))] + [
            (str(d.pk), d.name) for d in departments
        ]
