"""Back-office pages under /staff/. Each view parses the request and calls one service or selector."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from madoguchi.accounts.constants import Role
from madoguchi.accounts.decorators import staff_required
from madoguchi.accounts.models import User
from madoguchi.accounts.permissions import StaffScope
from madoguchi.core.downloads import file_download
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.procedures.builder.selectors import bulk_procedures
from madoguchi.review import selectors, services
from madoguchi.review.constants import CaseStatus
from madoguchi.review.permissions import CaseScope


def _home_for(user: User | None) -> str:
    """Reviewers land on their queue; a 所属所 clerk who may bulk-submit (S2) on 一括提出, where
    their procedures and uploads are; other counter-only staff on the 書かない窓口."""
    if user is not None and not CaseScope.of(user).can_review:
        if StaffScope.of(user).has_role(Role.SUBMITTER) or bulk_procedures(user):
            return reverse("bulk:index")
        return reverse("counter:home")
    return reverse("review:work")


# ---------------------------------------------------------------------------- queues


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@staff_required
def queue(request, queue: str = "mine"):
    filters = selectors.QueueFilters(
        status=request.GET.get("status") or "open",
        procedure_id=_int(request.GET.get("procedure")),
        due=request.GET.get("due", ""),
        reference=request.GET.get("q", "")[:40],
        sort=request.GET.get("sort", "due"),
        page=_int(request.GET.get("page"), 1),
    )
    page = selectors.case_queue(user=request.user, queue=queue, filters=filters)
    scope = selectors.staff_scope(request.user)
    return render(
        request,
        "review/queue.html",
        {
            "page": page,
            "queue": queue,
            "filters": filters,
            "nav": "queue",
            "has_centre": scope.has_role("centre", "admin", "auditor"),
            "querystring": _without_page(request.GET),
            "status_choices": CaseStatus.choices,
        },
    )


@staff_required
def work(request):
    """The staff landing page: what waits for you (your steps, then your team), overdue first.
    POST: how work notices arrive by e-mail (at once, or one digest a day)."""
    from madoguchi.notifications.services import contact_preference_get, staff_digest_set

    page = selectors.waiting_work(user=request.user)
    if request.method == "POST":
        digest = request.POST.get("digest") == "1"
        staff_digest_set(user=request.user, digest=digest)
        messages.success(
            request,
            _("処理の依頼は、メールで1日1回まとめてお知らせします。")
            if digest
            else _("処理の依頼は、届いたときにメールでお知らせします。"),
        )
        return redirect("review:work")
    return render(
        request,
        "review/work.html",
        {
            "page": page,
            "nav": "work",
            "staff_digest": contact_preference_get(user=request.user).staff_digest,
        },
    )


def _without_page(query) -> str:
    query = query.copy()
    query.pop("page", None)
    return query.urlencode()


def root(request):
    return redirect(_home_for(request.user if request.user.is_authenticated else None))


# ---------------------------------------------------------------------------- the case page


@staff_required
def case_detail(request, case_id, *, errors=None, error_message="", posted=None, status=200):
    case = selectors.access_case(user=request.user, case_id=case_id)
    context = selectors.case_page(case=case, user=request.user)
    context.update(
        {"errors": errors or {}, "error_message": error_message, "posted": posted or {}, "nav": "queue"}
    )
    return render(request, "review/case.html", context, status=status)


ACTIONS = {
    "claim": lambda r, c: services.case_claim(user=r.user, case_id=c),
    "approve": lambda r, c: services.task_approve(
        user=r.user,
        case_id=c,
        task_id=r.POST.get("task"),
        comment=r.POST.get("comment", ""),
        substitute=r.POST.get("substitute") == "1",
    ),
    "return": lambda r, c: services.task_return(
        user=r.user,
        case_id=c,
        task_id=r.POST.get("task"),
        comment=r.POST.get("comment", ""),
        to_position=_int(r.POST.get("to_position")),
        substitute=r.POST.get("substitute") == "1",
    ),
    "pull_back": lambda r, c: services.task_pull_back(user=r.user, case_id=c, task_id=r.POST.get("task")),
    "decide": lambda r, c: services.case_decide(
        user=r.user,
        case_id=c,
        task_id=r.POST.get("task"),
        outcome=r.POST.get("outcome", ""),
        reason=r.POST.get("reason", ""),
        substitute=r.POST.get("substitute") == "1",
    ),
    "comment": lambda r, c: services.comment_add(user=r.user, case_id=c, body=r.POST.get("body", "")),
    "correction": lambda r, c: services.correction_request(
        user=r.user, case_id=c, fields=r.POST.getlist("fields"), message=r.POST.get("message", "")
    ),
    "reassign": lambda r, c: services.task_reassign(
        user=r.user,
        case_id=c,
        task_id=r.POST.get("task"),
        to_user=User.objects.filter(email=(r.POST.get("to_email") or "").strip().lower()).first(),
    ),
}

DONE = {
    "claim": _("この案件を担当しました。"),
    "approve": _("承認しました。"),
    "return": _("差し戻しました。"),
    "pull_back": _("引き戻しました。"),
    "decide": _("決定しました。通知書を作成し、電子署名しました。"),
    "comment": _("内部メモを追加しました（申請者には表示されません）。"),
    "correction": _("申請者に補正を依頼しました。補正が届くまで処理期限は止まります。"),
    "reassign": _("担当者を変更しました。"),
}


@staff_required
@require_POST
def case_action(request, case_id):
    action = request.POST.get("action", "")
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404
    before = selectors.access_case(user=request.user, case_id=case_id)
    try:
        handler(request, case_id)
    except FieldErrors as exc:
        return case_detail(request, case_id, errors=exc.as_dict(), posted=request.POST, status=422)
    except DomainError as exc:
        return case_detail(
            request,
            case_id,
            error_message=str(exc.message),
            posted=request.POST,
            status=exc.status if exc.status != 404 else 409,
        )
    message = selectors.progress_message(
        case_id=before.pk,
        action=action,
        before_position=before.current_position,
        before_status=before.status,
    )
    messages.success(request, message or DONE[action])
    return redirect("review:case", case_id)


@staff_required
def case_attachment(request, case_id, attachment_id):
    from madoguchi.applications.models import Attachment
    from madoguchi.review.models import ProposalAttachment

    case = selectors.access_case(user=request.user, case_id=case_id)
    attachment = None
    if case.application_id:
        attachment = Attachment.objects.filter(pk=attachment_id, application_id=case.application_id).first()
    elif case.proposal_id:
        attachment = ProposalAttachment.objects.filter(pk=attachment_id, proposal_id=case.proposal_id).first()
    if attachment is None:
        raise Http404
    return file_download(
        attachment.file.open("rb"),
        original_name=attachment.original_name,
        content_type=attachment.content_type,
    )


# ---------------------------------------------------------------------------- notices


def notice_download(request, notice_id):
    """The signed notice, for the applicant of the case or authorized staff (404 for others)."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={request.get_full_path()}")
    try:
        notice = selectors.access_notice(user=request.user, notice_id=notice_id)
    except DomainError as exc:  # not handed over yet (the fee is unpaid): the status page says how
        messages.error(request, exc.message)
        application_id = selectors.notice_application_id(notice_id)
        return redirect(reverse("applications:detail", args=[application_id]))
    response = HttpResponse(bytes(notice.pdf), content_type="application/pdf")
    filename = f"{notice.case.reference_number}-{notice.title}.pdf"
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------- 起案


@staff_required
def proposal_new(request):
    from madoguchi.accounts.models import Department
    from madoguchi.review.models import Route

    scope = selectors.staff_scope(request.user)
    org_ids = {g.organization_id for g in scope.grants}
    dept_ids = {g.department_id for g in scope.grants if g.department_id}
    whole_orgs = {g.organization_id for g in scope.grants if g.department_id is None}
    departments = list(
        Department.objects.filter(organization_id__in=org_ids)
        .select_related("organization")
        .order_by("organization_id", "id")
    )
    departments = [d for d in departments if d.pk in dept_ids or d.organization_id in whole_orgs]
    from madoguchi.review.route_editor.selectors import replaced_by

    routes = list(Route.objects.filter(organization_id__in=org_ids, procedure__isnull=True))
    retired = replaced_by([r.pk for r in routes])  # edited routes live on only for their old cases
    routes = [r for r in routes if r.pk not in retired]
    errors, error_message = {}, ""
    if request.method == "POST":
        try:
            case = services.proposal_create(
                user=request.user,
                department_id=request.POST.get("department"),
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
                files=request.FILES.getlist("files"),
                route_id=_int(request.POST.get("route")),
            )
        except FieldErrors as exc:
            errors = exc.as_dict()
        except DomainError as exc:
            error_message = str(exc.message)
        else:
            messages.success(
                request,
                _("起案しました（%(ref)s）。経路に沿って回付されます。") % {"ref": case.reference_number},
            )
            return redirect("review:case", case.pk)
    return render(
        request,
        "review/proposal_new.html",
        {
            "departments": departments,
            "routes": routes,
            "errors": errors,
            "error_message": error_message,
            "posted": request.POST,
            "nav": "proposal",
        },
        status=422 if errors or error_message else 200,
    )


@staff_required
def stats(request):
    scope = selectors.require_reviewer(request.user)
    from madoguchi.accounts.models import Organization

    rows = []
    for org in Organization.objects.filter(pk__in=scope.organization_ids()):
        rows.append(
            {
                "organization": org,
                "all": selectors.e_decision_rate(organization_id=org.pk),
                "proposals": selectors.e_decision_rate(organization_id=org.pk, kind="proposal"),
            }
        )
    return render(request, "review/stats.html", {"rows": rows, "nav": "stats"})


# ---------------------------------------------------------------------------- 通知書の文面


@staff_required
def notice_templates(request):
    """Procedures whose decision notices this user words (owners and admins)."""
    procedures = selectors.notice_procedures(user=request.user)
    return render(
        request, "review/notice_templates.html", {"procedures": procedures, "nav": "notice_templates"}
    )


@staff_required
def notice_template_edit(request, procedure_id: int):
    from madoguchi.review import notices
    from madoguchi.review.constants import NoticeKind
    from madoguchi.review.services.notice_templates import APPLICATION_KINDS, notice_templates_save

    procedure = selectors.notice_procedure(user=request.user, procedure_id=procedure_id)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        texts = {
            outcome: (request.POST.get(f"{outcome}_title", ""), request.POST.get(f"{outcome}_body", ""))
            for outcome in ("approved", "rejected")
        }
        try:
            notice_templates_save(
                user=request.user,
                procedure=procedure,
                kind=request.POST.get("kind", ""),
                texts=texts,
                appeal=request.POST.get("appeal") == "1",
            )
        except FieldErrors as exc:
            errors = exc.as_dict()
        else:
            messages.success(request, _("通知書の文面を保存しました。次の決定から使われます。"))
            return redirect("review:notice_template_edit", procedure.pk)
    current = selectors.notice_wordings(procedure.pk)
    posted = request.POST if errors else None
    sections = []
    for outcome, label in (("approved", _("認めるとき")), ("rejected", _("認めないとき"))):
        part = current[outcome]
        sections.append(
            {
                "outcome": outcome,
                "label": label,
                "title": posted.get(f"{outcome}_title", "") if posted else part["title"],
                "body": posted.get(f"{outcome}_body", "") if posted else part["body"],
                "default_title": part["default_title"],
                "default_body": part["default_body"],
                "title_errors": errors.get(f"{outcome}_title", []),
                "body_errors": errors.get(f"{outcome}_body", []),
            }
        )
    return render(
        request,
        "review/notice_template_edit.html",
        {
            "procedure": procedure,
            "sections": sections,
            "kind": posted.get("kind", "") if posted else current["kind"],
            "appeal": (posted.get("appeal") == "1") if posted else current["appeal"],
            "kind_errors": errors.get("kind", []),
            "errors": errors,
            "kinds": [(k, NoticeKind(k).label) for k in APPLICATION_KINDS],
            "placeholders": notices.PLACEHOLDERS,
            "appeal_text": notices.APPEAL_TEXT,
            "nav": "notice_templates",
        },
        status=422 if errors else 200,
    )
