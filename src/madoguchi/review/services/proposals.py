"""起案: an internal proposal decided through the same route engine as applications."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.models import Department, Organization
from madoguchi.accounts.types import User
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import FieldErrors, PermissionDeniedError
from madoguchi.procedures.fields import FieldValidationError
from madoguchi.procedures.uploads import check_upload
from madoguchi.review.constants import CaseKind
from madoguchi.review.models import Case, Proposal, ProposalAttachment
from madoguchi.review.permissions import CaseScope
from madoguchi.review.services.routes import route_for_proposals
from madoguchi.review.services.steps import step_start

ATTACHMENT_SPEC = {
    "label": "添付ファイル",
    "accept": [
        "application/pdf",
        "image/jpeg",
        "image/png",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ],
}


def proposal_create(
    *,
    user: User,
    department_id: Any,
    title: str,
    body: str,
    files: list | None = None,
    route_id: int | None = None,
) -> Case:
    """Draft and send a proposal into its route (起案). Returns the case."""
    title, body = (title or "").strip(), (body or "").strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("件名を入力してください。")]
    elif len(title) > 200:
        errors["title"] = [_("件名は200文字以内で入力してください。")]
    if not body:
        errors["body"] = [_("起案内容を入力してください。")]
    department = None
    try:
        department = Department.objects.select_related("organization").get(pk=int(department_id))
    except (Department.DoesNotExist, ValueError, TypeError):
        errors["department"] = [_("起案する部署を選んでください。")]
    scope = CaseScope.of(user)
    if department is not None and not any(
        g.organization_id == department.organization_id and g.department_id in (None, department.pk)
        for g in scope.grants
    ):
        raise PermissionDeniedError(_("この部署で起案する権限がありません。"))
    checked = []
    for upload in files or []:
        try:
            checked.append((upload, check_upload(upload, ATTACHMENT_SPEC)))
        except FieldValidationError as exc:
            errors.setdefault("files", []).extend(exc.messages())
    if errors:
        raise FieldErrors(errors)
    assert department is not None
    organization = department.organization
    with transaction.atomic():
        route = route_for_proposals(organization=organization, route_id=route_id)
        proposal = _create_with_number(
            organization=organization, department=department, user=user, title=title, body=body
        )
        for upload, content_type in checked:
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
            attachment = ProposalAttachment(
                proposal=proposal,
                original_name=(upload.name or "file")[-255:],
                content_type=content_type,
                size=upload.size,
                sha256=digest.hexdigest(),
            )
            attachment.file.save(upload.name or "upload", upload, save=False)
            attachment.save()
        case = Case.objects.create(
            organization=organization,
            department=department,
            kind=CaseKind.PROPOSAL,
            proposal=proposal,
            route=route,
            title=title[:200],
            reference_number=proposal.reference_number,
            applicant_label=str(user)[:200],
            opened_at=timezone.now(),
        )
        audit_record(
            actor=user,
            action="proposal.created",
            target=proposal,
            after={
                "reference_number": proposal.reference_number,
                "title": title,
                "body_sha256": hashlib.sha256(body.encode()).hexdigest(),
                "attachments": [a.sha256 for a in proposal.attachments.all()],
            },
        )
        audit_record(
            actor=user,
            action="case.opened",
            target=case,
            after={"proposal": str(proposal.pk), "route": route.pk},
        )
        step_start(case, 1, actor=user)
    return case


def _create_with_number(
    *, organization: Organization, department: Department, user: User, title: str, body: str
) -> Proposal:
    year = timezone.localdate().year
    prefix = f"{organization.reference_prefix}-K{year}-"
    for _attempt in range(5):
        last = (
            Proposal.objects.filter(reference_number__startswith=prefix)
            .order_by("-reference_number")
            .values_list("reference_number", flat=True)
            .first()
        )
        number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
        try:
            with transaction.atomic():
                return Proposal.objects.create(
                    organization=organization,
                    department=department,
                    author=user,
                    reference_number=f"{prefix}{number:05d}",
                    title=title,
                    body=body,
                )
        except IntegrityError:
            continue
    raise FieldErrors({"title": [_("混み合っています。もう一度送信してください。")]})
