"""Contact details: e-mail address and Japanese telephone number."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.constants import Role
from madoguchi.procedures import phone
from madoguchi.procedures.fields.base import (
    FieldType,
    FieldValidationError,
    ValidationContext,
    field_label,
    register,
)
from madoguchi.procedures.fields.inputs import BuilderInput
from madoguchi.procedures.normalize import digits_only, remove_spaces, to_halfwidth

_email_validator = EmailValidator()


def normalize_email(text: str) -> str | None:
    """全角 → 半角, spaces removed, domain lower-cased; None if not an address."""
    value = remove_spaces(to_halfwidth(text))
    if value.count("@") != 1 or len(value) > 254:
        return None
    local, domain = value.split("@")
    value = f"{local}@{domain.lower().rstrip('.')}"
    try:
        _email_validator(value)
    except ValidationError:
        return None
    return value


# The roles a ``staff_role`` address may be asked for: people a route can send an application to.
STAFF_ROLES = (Role.APPROVER, Role.REVIEWER)


def staff_with_role(*, email: str, organization_id: int, role: str) -> bool:
    """Whether ``email`` is an active staff member holding ``role`` in the organization."""
    from madoguchi.accounts.models import Membership  # models load after the field registry

    return Membership.objects.filter(
        organization_id=organization_id, role=role, user__email=email.lower(), user__is_active=True
    ).exists()


@register("email")
class EmailField(FieldType):
    clean_is_pure = True
    label = _("メールアドレス")
    template_name = "procedures/fields/email.html"
    is_email = True

    builder_inputs = (
        BuilderInput("prefill", "bool", _("申請者のアカウントのメールアドレスを最初から入れておく")),
        BuilderInput(
            "staff_role",
            "select",
            _("この団体の職員のアドレスに限る"),
            _(
                "所属長など、申請を回す職員のアドレスを尋ねるときに選びます。その役割を持つ職員のアドレスだけを"
                "受け付け、審査経路の「申請で入力された職員」の段階はこの人に届きます。"
            ),
            choices=(("", _("限らない")), *((role.value, role.label) for role in STAFF_ROLES)),
        ),
    )
    options = ("prefill", "staff_role")

    def from_profile(self, profile: dict[str, Any], spec: dict) -> Any:
        return profile.get("email")

    def cleans_alone(self, spec: dict) -> bool:
        return not spec.get("staff_role")  # the organization's staff are asked

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> str:
        value = normalize_email(raw) if isinstance(raw, str) else None
        if value is None:
            raise FieldValidationError(
                _(
                    "%(label)sの形式が正しくありません。taro.yamada@example.jp のように、@ を含めて入力してください。"
                )
                % {"label": field_label(spec)}
            )
        role = spec.get("staff_role")
        if role and context.organization_id is not None:
            if not staff_with_role(email=value, organization_id=context.organization_id, role=role):
                raise FieldValidationError(
                    _(
                        "%(label)sに入力されたアドレスは、この手続で申請を回せる職員のアドレスとして"
                        "登録されていません。職場で使っているアドレスをもう一度確かめてください。"
                    )
                    % {"label": field_label(spec)}
                )
        return value

    def check_spec(self, spec: dict) -> list[str]:
        role = spec.get("staff_role")
        if role is None or role in STAFF_ROLES:
            return []
        return [
            str(_("staff_role には %(allowed)s のどれかを指定してください。"))
            % {"allowed": ", ".join(STAFF_ROLES)}
        ]


PHONE_KINDS = {
    phone.KIND_MOBILE: _("携帯電話"),
    phone.KIND_FIXED: _("固定電話"),
    phone.KIND_IP: _("IP電話（050）"),
    phone.KIND_FREE: _("フリーダイヤル"),
    phone.KIND_NAVI: _("ナビダイヤル"),
}


@register("phone")
class PhoneField(FieldType):
    clean_is_pure = True
    label = _("電話番号")
    template_name = "procedures/fields/phone.html"
    builder_inputs = (
        BuilderInput(
            "kinds",
            "choices",
            _("受け付ける番号の種類（空欄ならすべて）"),
            choices=tuple(PHONE_KINDS.items()),
        ),
    )
    options = ("kinds",)

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> str:
        label = field_label(spec)
        example = _("例: 090-1234-5678、03-1234-5678")
        text = raw if isinstance(raw, str) else ""
        value = phone.normalize_phone(text)
        if value is None:
            digits = digits_only(text, drop="()（）+") if text else None
            if digits is None:
                message = _("%(label)sは数字で入力してください（%(example)s）。")
            elif not digits.startswith("0") and not remove_spaces(to_halfwidth(text)).startswith("+"):
                message = _("%(label)sは市外局番（0から始まる番号）から入力してください（%(example)s）。")
            else:
                message = _(
                    "%(label)sの桁数または番号が正しくありません。固定電話は10桁、携帯電話は11桁です（%(example)s）。"
                )
            raise FieldValidationError(message % {"label": label, "example": example})
        kinds = spec.get("kinds")
        if kinds and phone.classify(value.replace("-", "")) not in kinds:
            allowed = "・".join(str(PHONE_KINDS.get(k, k)) for k in kinds)
            raise FieldValidationError(
                _("%(label)sは%(kinds)sの番号を入力してください。") % {"label": label, "kinds": allowed}
            )
        return value

    def check_spec(self, spec: dict) -> list[str]:
        kinds = spec.get("kinds")
        if kinds is None:
            return []
        if not isinstance(kinds, list) or not kinds or any(k not in PHONE_KINDS for k in kinds):
            return [
                str(_("kinds には %(allowed)s から選んだリストを指定してください。"))
                % {"allowed": ", ".join(PHONE_KINDS)}
            ]
        return []
