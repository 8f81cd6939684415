"""Forms of the feedback pages: they only shape input; the rules live in services.py and come
back next to the fields (``add_service_errors``)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from madoguchi.core.errors import FieldErrors
from madoguchi.feedback.constants import Satisfaction, difficulty_label


def shown_required(field: forms.Field) -> forms.Field:
    field.shown_required = True  # type: ignore[attr-defined]
    return field


class OfferedChoiceField(forms.ChoiceField):
    def validate(self, value: Any) -> None:  # the service judges the answer
        return None


class OfferedMultipleChoiceField(forms.MultipleChoiceField):
    def validate(self, value: Any) -> None:
        return None


class ServiceForm(forms.Form):
    required_css_class = ""

    def add_service_errors(self, exc: FieldErrors) -> None:
        for key, messages in exc.as_dict().items():
            for message in messages:
                self.add_error(key if key in self.fields else None, message)

    def error_summary(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for key, errors in self.errors.items():
            anchor = self[key].auto_id if key in self.fields else ""
            out.extend((anchor, str(message)) for message in errors)
        return out


NPS_CHOICES = [(str(n), str(n)) for n in range(11)]


class ReviewForm(ServiceForm):
    satisfaction = shown_required(
        OfferedChoiceField(
            label=_("今回の手続・窓口の満足度を教えてください。"),
            required=False,
            choices=[(str(value), label) for value, label in Satisfaction.choices],
            widget=forms.RadioSelect,
        )
    )
    nps = OfferedChoiceField(
        label=_("この窓口・手続を、家族や友人にすすめたいと思いますか。"),
        help_text=_("0（すすめない）から 10（ぜひすすめたい）で選んでください。"),
        required=False,
        choices=NPS_CHOICES,
        widget=forms.RadioSelect(attrs={"class": "nps-choice"}),
    )
    difficulties = OfferedMultipleChoiceField(
        label=_("困ったことがあれば選んでください（いくつでも）。"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    comment = forms.CharField(
        label=_("ご意見・ご感想"),
        help_text=_(
            "1000文字まで。お名前・電話番号・マイナンバーなど個人を特定できる情報は書かないでください"
            "（書かれた場合は伏せて保存します）。お返事はしていません。"
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": 1000}),
    )

    def __init__(self, *args: Any, difficulties: list[dict[str, str]], ask_nps: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        english = (get_language() or "").startswith("en")
        cast(forms.ChoiceField, self.fields["difficulties"]).choices = [
            (d["key"], difficulty_label(d, english=english)) for d in difficulties
        ]
        if not ask_nps:
            del self.fields["nps"]

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "satisfaction": data.get("satisfaction"),
            "nps": data.get("nps"),
            "difficulties": data.get("difficulties") or [],
            "comment": data.get("comment") or "",
        }


class NoteForm(ServiceForm):
    body = shown_required(
        forms.CharField(
            label=_("ご意見への対応"),
            help_text=_(
                "いただいたご意見を受けて変えたことを、利用者に向けて書きます。アンケートの画面に表示されます。"
            ),
            required=False,
            widget=forms.Textarea(attrs={"rows": 4}),
        )
    )


class PointForm(ServiceForm):
    name = shown_required(forms.CharField(label=_("窓口の名称"), required=False, max_length=200))
    location = forms.CharField(
        label=_("場所"), required=False, max_length=300, help_text=_("例: 本庁舎1階 3番窓口")
    )
    department = forms.ChoiceField(label=_("担当部署"), required=False)


class SettingsForm(ServiceForm):
    ask_nps = forms.BooleanField(label=_("おすすめ度（0〜10）を伺う"), required=False)
    difficulties = shown_required(
        forms.CharField(
            label=_("「困ったこと」の選択肢"),
            help_text=_(
                "1行に1つ、「キー: 表示する文」の形で書きます（例: waiting: 待ち時間が長い）。"
                "英語の文は「|」のあとに書けます（例: waiting: 待ち時間が長い | Long waiting time）。"
            ),
            required=False,
            widget=forms.Textarea(attrs={"rows": 8}),
        )
    )
    intro = forms.CharField(label=_("アンケートの説明"), required=False, max_length=300)
