from django import forms
from django.utils.translation import gettext_lazy as _


class LoginLinkForm(forms.Form):
    email = forms.EmailField(
        label=_("メールアドレス"),
        max_length=254,
        error_messages={
            "required": _("メールアドレスを入力してください。"),
            "invalid": _("メールアドレスの形式が正しくありません（例: taro@example.jp）。"),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class StaffLoginForm(forms.Form):
    email = forms.EmailField(
        label=_("メールアドレス"),
        max_length=254,
        error_messages={
            "required": _("メールアドレスを入力してください。"),
            "invalid": _("メールアドレスの形式が正しくありません（例: taro@example.jp）。"),
        },
    )
    password = forms.CharField(
        label=_("パスワード"),
        max_length=200,
        strip=False,
        error_messages={"required": _("パスワードを入力してください。")},
    )
    next = forms.CharField(required=False)


class TotpForm(forms.Form):
    code = forms.CharField(
        label=_("確認コード（6桁）"),
        max_length=20,
        error_messages={"required": _("認証アプリに表示されている6桁の数字を入力してください。")},
    )
