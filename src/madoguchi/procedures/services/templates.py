"""Templates: sharing a procedure as a template and copying one into an organization."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from madoguchi.accounts.models import Organization
from madoguchi.accounts.types import User
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import DomainError
from madoguchi.procedures.models import Procedure
from madoguchi.procedures.services.permissions import require_edit
from madoguchi.procedures.services.settings import procedure_create

# ---------------------------------------------------------------------------- templates


# Settings that travel with a procedure to another organization (templates, JSON export).
# Title and contact are the receiving organization's own.
PORTABLE_SETTINGS = (
    "summary",
    "description",
    "category",
    "keywords",
    "life_events",
    "standard_processing_days",
    "fee_kind",
    "fee_amount",
    "identity_level",
    "allows_proxy",
)


def procedure_share_as_template(*, actor: User, procedure: Procedure, shared: bool) -> Procedure:
    """Offer (or stop offering) the published procedure in the template library."""
    require_edit(actor, procedure)
    if shared and procedure.current_version is None:
        raise DomainError(_("テンプレートとして共有するには、先に公開してください。"), code="not_published")
    with transaction.atomic():
        if procedure.is_template != shared:
            procedure.is_template = shared
            procedure.save(update_fields=["is_template", "updated_at"])
            audit_record(
                actor=actor, action="procedure.template_shared", target=procedure, after={"shared": shared}
            )
    return procedure


def procedure_copy_template(
    *, actor: User, template: Procedure, organization: Organization, title: str = ""
) -> Procedure:
    """Copy a shared template into ``organization`` as a new procedure with a draft to adapt."""
    if not template.is_template or template.current_version is None:
        raise DomainError(_("このテンプレートは現在共有されていません。"), code="not_found", status=404)
    settings = {name: getattr(template, name) for name in PORTABLE_SETTINGS}
    return procedure_create(
        actor=actor,
        organization=organization,
        title=title or template.title,
        definition=template.current_version.definition,
        copied_from=template,
        is_public=False,
        **settings,
    )
