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
