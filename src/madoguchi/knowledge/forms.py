from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.knowledge.constants import Visibility


class FaqForm(forms.Form):
    organization = forms.ChoiceField(label=_("団体"))
    question = forms.CharField(label=_("質問"), max_length=500)
    answer = forms.CharField(
        label=_("回答"),
        widget=forms.Textarea,
        help_text=_("改行はそのまま表示されます。使えるタグ: p, br, ul, ol, li, a, strong, em"),
    )
    category = forms.CharField(label=_("分類"), max_length=100, required=False)
    keywords = forms.CharField(
        label=_("キーワード・言い換え"),
        max_length=500,
        required=False,
        help_text=_("住民の方が使いそうな言葉を、読点またはカンマで区切って入力します。"),
    )
    visibility = forms.ChoiceField(label=_("公開範囲"), choices=Visibility.choices, initial=Visibility.PUBLIC)
    review_on = forms.CharField(
        label=_("見直し予定日"),
        required=False,
        help_text=_("例: 2026-04-01"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class SynonymForm(forms.Form):
    organization = forms.ChoiceField(label=_("団体"))
    words = forms.CharField(
        label=_("言葉"),
        max_length=500,
        help_text=_("カンマまたは読点で区切ります。例: 保険証, 健康保険証, ほけんしょう"),
    )
    bidirectional = forms.BooleanField(
        label=_("どの言葉から検索しても互いに見つける"),
        required=False,
        initial=True,
        help_text=_("外すと、最初の言葉で検索したときだけ残りの言葉も探します。"),
    )


class InquiryForm(forms.Form):
    name = forms.CharField(
        label=_("お名前"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.CharField(
        label=_("メールアドレス"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
        help_text=_("回答をお送りするメールアドレスです。"),
    )
    body = forms.CharField(label=_("お問い合わせ内容"), widget=forms.Textarea)
