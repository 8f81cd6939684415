"""Input shapes of the applicant pages. Domain rules stay in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

APPLYING_AS_SELF = "self"
APPLYING_AS_PROXY = "proxy"


class StartForm(forms.Form):
    """「ご本人が申請しますか／代理人として申請しますか」 (only for procedures that allow proxies)."""

    applying_as = forms.ChoiceField(
        label=_("どなたが申請しますか"),
        choices=[
            (APPLYING_AS_SELF, _("本人が申請します")),
            (APPLYING_AS_PROXY, _("代理人として申請します（家族・社会保険労務士など）")),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("本人が申請するか、代理人として申請するかを選んでください。"),
            "invalid_choice": _("本人が申請するか、代理人として申請するかを選んでください。"),
        },
    )

    @property
    def as_proxy(self) -> bool:
        return self.cleaned_data.get("applying_as") == APPLYING_AS_PROXY


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("取下げの理由（任意）"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": _("理由は500文字以内で入力してください。")},
    )
