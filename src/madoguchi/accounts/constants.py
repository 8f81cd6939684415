from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationKind(models.TextChoices):
    PREFECTURE = "prefecture", _("都道府県")
    MUNICIPALITY = "municipality", _("市区町村")
    ASSOCIATION = "association", _("公共団体・組合")


class Role(models.TextChoices):
    COUNTER = "counter", _("窓口職員")
    REVIEWER = "reviewer", _("審査担当")
    APPROVER = "approver", _("決裁者")
    OWNER = "owner", _("手続所管")
    CENTRE = "centre", _("総務事務センター")
    AUDITOR = "auditor", _("監査")
    ADMIN = "admin", _("管理者")
    # 所属所 (S2): submits its members' forms in bulk (一括提出) for another organization's
    # procedure; sees no cases, no counter, nothing else of the back office
    SUBMITTER = "submitter", _("所属所（一括提出）")


class AuthLevel(models.TextChoices):
    """How much a session proves (accounts/sessions.py). Only ``staff`` opens staff pages."""

    APPLICANT = "applicant", _("申請者")
    STAFF = "staff", _("職員（2段階認証済み）")


class AuthMethod(models.TextChoices):
    """How a session was made; kept in the session next to its level."""

    EMAIL_LINK = "email_link", _("メールのリンク")
    PASSWORD_TOTP = "password+totp", _("パスワードと確認コード")
    PASSWORD_PASSKEY = "password+passkey", _("パスワードとパスキー")
    OIDC = "oidc", _("外部の認証基盤（OpenID Connect）")
