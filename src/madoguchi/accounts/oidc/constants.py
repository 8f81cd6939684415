from django.db import models
from django.utils.translation import gettext_lazy as _


class Assurance(models.IntegerChoices):
    """How sure the current session is of who is signed in. Ordered: a higher level satisfies
    every lower one."""

    NONE = 0, _("ログインしていません")
    EMAIL = 1, _("メールアドレスの確認")
    ACCOUNT = 2, _("外部のIDでログイン")
    VERIFIED = 3, _("本人確認済み（マイナンバーカードなど）")


# Names used in the configuration (OIDC_<ID>_ACR_LEVELS, OIDC_<ID>_ASSURANCE).
ASSURANCE_BY_NAME = {
    "email": Assurance.EMAIL,
    "account": Assurance.ACCOUNT,
    "verified": Assurance.VERIFIED,
}


class Audience(models.TextChoices):
    """Who signs in through a provider."""

    APPLICANT = "applicant", _("申請者")
    STAFF = "staff", _("職員")


class ProfileClaim(models.TextChoices):
    """What a verified identity can fill into a procedure's fields (spec key ``prefill``)."""

    NAME = "name", _("氏名")
    ADDRESS = "address", _("住所")
    BIRTH_DATE = "birth_date", _("生年月日")
