"""Staff pages: delivery status and resend, templates with preview, document batches,
segment push. Every page requires a Membership in the organization; changing templates,
uploading batches and sending pushes requires a manager role (constants.MANAGER_ROLES)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from madoguchi.accounts.decorators import staff_required
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.core.responses import form_status
from madoguchi.notifications import selectors, services
from madoguchi.notifications.constants import NotificationStatus
from madoguchi.notifications.events import EVENTS
from madoguchi.notifications.forms import BatchUploadForm, MemberImportForm, PushForm, TemplateForm
from madoguchi.notifications.services.enqueue import template_texts
from madoguchi.notifications.services.templates import LANGUAGES


@staff_required
def home(request):
    organizations = selectors.staff_organizations(user=request.user)
    if len(organizations) == 1:
        return redirect("notifications:staff_notifications", org_slug=organizations[0].slug)
    return render(request, "notifications/staff/home.html", {"organizations": organizations})


@staff_required
def notifications(request, org_slug):
    organization = selectors.access_staff_organization(user=request.user, org_slug=org_slug)
    status = request.GET.get("status", "")
    page = Paginator(
        selectors.notification_list(user=request.user, organization=organization, status=status), 50
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/staff/notifications.html",
        {
            "organization": organization,
            "page": page,
            "status": status,
            "statuses": NotificationStatus.choices,
            "counts": selectors.notification_status_counts(user=request.user, organization=organization),
        },
    )


@staff_required
def notification_detail(request, org_slug, notification_id):
    organization = selectors.access_staff_organization(user=request.user, org_slug=org_slug)
    notification = selectors.access_notification(
        user=request.user, organization=organization, notification_id=notification_id
    )
    return render(
        request,
        "notifications/staff/notification.html",
        {"organization": organization, "n": notification},
    )


@staff_required
@require_POST
def notification_resend(request, org_slug, notification_id):
    organization = selectors.access_staff_organization(user=request.user, org_slug=org_slug)
    notification = selectors.access_notification(
        user=request.user, organization=organization, notification_id=notification_id
    )
    try:
        services.notification_resend(notification=notification, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("再送を受け付けました。"))
    return redirect("notifications:staff_notification", org_slug=org_slug, notification_id=notification.pk)


@staff_required
def templates(request, org_slug):
    organization = selectors.access_staff_organization(user=request.user, org_slug=org_slug, manage=True)
    saved = selectors.template_list(organization=organization)
    rows = [
        {"event": event, "languages": [(lang, (event.id, lang) in saved) for lang in LANGUAGES]}
        for event in EVENTS.values()
    ]
    return render(request, "notifications/staff/templates.html", {"organization": organization, "rows": rows})


@staff_required
def template_edit(request, org_slug, event, language):
    organization = selectors.access_staff_organization(user=request.user, org_slug=org_slug, manage=True)
    event_type = EVENTS.get(event)
    if event_type is None or language not in LANGUAGES:
        raise Http404
    preview = None
    if request.method == "POST":
        form = TemplateForm(request.POST)
        if form.is_valid():
            subject, body = form.cleaned_data["subject"], form.cleaned_data["body"]
            errors = services.template_check(event=event, language=language, subject=subject, body=body)
            if errors:
                form.add_service_errors(errors)
            elif request.POST.get("action") == "save":
                services.template_save(
                    organization=organization,
                    event=event,
                    language=language,
                    subject=subject,
                    body=body,
                    actor=request.user,
                )
                messages.success(request, _("テンプレートを保存しました。"))
                return redirect(
                    "notifications:staff_template", org_slug=org_slug, event=event, language=language
                )
            else:
                preview = services.template_preview(
                    organization=organization, event=event, language=language, subject=subject, body=body
                )
    else:
        subject, body = template_texts(organization=organization, event=event, language=language)
        form = TemplateForm(initial={"subject": subject, "body": body})
        preview = services.template_preview(organization=organization, event=event, language=language)
    return render(
        request,
        "notifications/staff/template_edit.html",
        {
            "organization": organization,
            "event": event_type,
            "language": language,
            "form": form,
            "preview": preview,
        },
        status=form_status(request, form.errors),
    )


@staff_required
def batches(request, org_slug):
    organization = selectors.access_staff_organization(user=request.user, org_slug=org_slug, manage=True)
    if request.method == "POST":
        form = BatchUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                batch = services.delivery_batch_create(
                    organization=organization, actor=request.user, **form.cleaned_data
                )
            except FieldErrors as exc:
                form.add_service_errors(exc.as_dict())
            else:
                messages.success(request, _("アップロードを受け付けました。配信結果は下の表で確認できます。"))
                return redirect("notifications:staff_batch", org_slug=org_slug, batch_id=batch.pk)
    else:
        form = BatchUploadForm()
    return render(
        request,
        "notifications/staff/batches.html",
        {
            "organization": organization,
            "form": form,
            "batches": selectors.batch_list(organization=organization)[:50],
        },
        status=form_status(request, form.errors),
    )


@staff_required
def members(request, org_slug):
    """職員名簿の取込 (S12): who gets which payslip, without Django admin."""
    organization = selectors.access_staff_organization(user=request.user, org_slug=org_slug, manage=True)
    report = None
    if request.method == "POST":
        form = MemberImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                report = services.member_import(
                    actor=request.user, organization=organization, data=form.cleaned_data["roster"].read()
                )
            except FieldErrors as exc:
                form.add_service_errors(exc.as_dict())
    else:
        form = MemberImportForm()
    return render(
        request,
        "notifications/staff/members.html",
        {
            "organization": organization,
            "form": form,
            "report": report,
            "member_count": selectors.member_count(organization=organization),
        },
        status=form_status(request, form.errors),
    )


@staff_required
def batch_detail(request, org_slug, batch_id):
    organization = selectors.access_staff_organization(user=request.user, org_slug=org_slug, manage=True)
    batch = selectors.access_batch(organization=organization, batch_id=batch_id)
    problems = batch.rows.exclude(status="delivered")
    return render(
        request,
        "notifications/staff/batch.html",
        {"organization": organization, "batch": batch, "problems": problems[:1000]},
    )


@staff_required
def pushes(request, org_slug):
    organization = selectors.access_staff_organization(user=request.user, org_slug=org_slug, manage=True)
    count = None
    if request.method == "POST":
        form = PushForm(request.POST)
        if form.is_valid():
            try:
                if request.POST.get("action") == "create":
                    campaign = services.push_campaign_create(
                        organization=organization,
                        actor=request.user,
                        title=form.cleaned_data["title"],
                        body=form.cleaned_data["body"],
                        segment=form.segment(),
                        rate_per_minute=form.cleaned_data["rate_per_minute"],
                    )
                    return redirect(
                        "notifications:staff_push_detail", org_slug=org_slug, campaign_id=campaign.pk
                    )
                count = services.push_recipient_count(organization=organization, segment=form.segment())
            except FieldErrors as exc:
                form.add_service_errors(exc.as_dict())
    else:
        form = PushForm(initial={"kind": "members_by_age", "min_age": "40", "max_age": "74"})
    return render(
        request,
        "notifications/staff/push.html",
        {
            "organization": organization,
            "form": form,
            "count": count,
            "campaigns": selectors.campaign_list(organization=organization)[:50],
        },
        status=form_status(request, form.errors),
    )


@staff_required
def push_detail(request, org_slug, campaign_id):
    organization = selectors.access_staff_organization(user=request.user, org_slug=org_slug, manage=True)
    campaign = selectors.access_campaign(organization=organization, campaign_id=campaign_id)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "pause":
                services.push_campaign_pause(campaign=campaign, actor=request.user)
                messages.success(request, _("配信を一時停止しました。「再開」で続きから送信します。"))
            else:
                services.push_campaign_start(campaign=campaign, actor=request.user)
                messages.success(request, _("配信を開始しました。"))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("notifications:staff_push_detail", org_slug=org_slug, campaign_id=campaign.pk)
    count = None
    if campaign.status == "draft":
        count = services.push_recipient_count(organization=organization, segment=campaign.segment)
    return render(
        request,
        "notifications/staff/push_detail.html",
        {"organization": organization, "campaign": campaign, "count": count},
    )
