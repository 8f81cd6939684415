"""Pages under /help/: FAQ, site search, chatbot, inquiry form, and staff pages.

Views parse the request, call one selector or service, and render. Everything works without
JavaScript; knowledge/static/knowledge/widget.js is an optional enhancement.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from madoguchi.accounts.models import Organization
from madoguchi.core.errors import FieldErrors, PermissionDeniedError
from madoguchi.knowledge import chat as chatbot
from madoguchi.knowledge import selectors, services, smalltalk
from madoguchi.knowledge.constants import DocType, InquiryStatus, Visibility
from madoguchi.knowledge.models import FaqEntry, Synonym
from madoguchi.knowledge.search.synonyms import builtin_lines
from madoguchi.procedures.models import Procedure

CHAT_SESSION_KEY = "knowledge_chat"
CHAT_MAX_TURNS = 12
TYPE_LABELS = {
    DocType.FAQ: gettext_lazy("よくある質問"),
    DocType.PROCEDURE: gettext_lazy("手続"),
    DocType.NOTICE: gettext_lazy("お知らせ"),
}


def _organization_param(request) -> Organization | None:
    slug = (request.GET.get("organization") or "").strip()
    return Organization.objects.filter(slug=slug).first() if slug else None


# --- public ----------------------------------------------------------------------------------
def faq_index(request):
    category = request.GET.get("category") or ""
    organization = _organization_param(request)
    return render(
        request,
        "knowledge/faq_index.html",
        {
            "categories": selectors.faq_categories(user=request.user, organization=organization),
            "category": category,
            "faqs": selectors.faq_list(user=request.user, category=category, organization=organization)
            if category
            else [],
        },
    )


def search(request):
    query = (request.GET.get("q") or "").strip()
    doc_type = request.GET.get("type") or ""
    error = ""
    page = None
    log_id = None
    if "q" in request.GET and not query:
        error = _("検索する言葉を入力してください。")
    elif len(query) > 200:
        error = _("検索する言葉は200文字以内にしてください。")
    elif query:
        page = selectors.site_search(
            query=query,
            user=request.user,
            organization=_organization_param(request),
            types=[doc_type] if doc_type in DocType.values else None,
            limit=20,
        )
        log_id = services.search_log_query(query=query, result_count=len(page.results))
    return render(
        request,
        "knowledge/search.html",
        {
            "query": query,
            "doc_type": doc_type,
            "types": [(value, TYPE_LABELS[value]) for value in DocType.values],
            "type_labels": TYPE_LABELS,
            "page": page,
            "error": error,
            "log_id": log_id,
        },
    )


def click(request):
    """Count a click on a search result, then go to it (only to pages of this site)."""
    target = request.GET.get("u") or ""
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        raise Http404
    try:
        log_id = int(request.GET.get("l") or 0)
    except ValueError:
        log_id = 0
    if log_id:
        services.search_log_click(log_id=log_id)
    return HttpResponseRedirect(target)


def faq_detail(request, faq_id: int):
    faq = selectors.access_faq(user=request.user, faq_id=faq_id)
    return render(
        request,
        "knowledge/faq_detail.html",
        {
            "faq": faq,
            "procedures": [
                (p, services.procedure_url(p))
                for p in faq.related_procedures.filter(is_public=True, current_version__isnull=False)
            ],
            "can_edit": services.is_member(request.user, faq.organization),
        },
    )


def notice_detail(request, notice_id: int):
    return render(
        request,
        "knowledge/notice_detail.html",
        {"notice": selectors.notice_access(user=request.user, notice_id=notice_id)},
    )


# --- chatbot -----------------------------------------------------------------------------------
def _conversation(request) -> list[dict]:
    return list(request.session.get(CHAT_SESSION_KEY, []))


def _save_conversation(request, turns: list[dict]) -> None:
    request.session[CHAT_SESSION_KEY] = turns[-CHAT_MAX_TURNS:]


def _turn(reply: chatbot.ChatReply) -> dict:
    return {
        "question": reply.question,
        "kind": reply.kind,
        "best": reply.best.pk if reply.best else None,
        "alternatives": [f.pk for f in reply.alternatives],
        "choices": [f.pk for f in reply.choices],
        "intent": reply.intent.id if reply.intent else None,
    }


@require_http_methods(["GET", "POST"])
def chat(request):
    error = ""
    question = ""
    if request.method == "POST":
        if "reset" in request.POST:
            _save_conversation(request, [])
            return redirect("knowledge:chat")
        choice = request.POST.get("choice")
        if choice:
            try:
                reply = chatbot.chat_reply_for_choice(faq_id=int(choice), user=request.user)
            except (ValueError, Http404):
                reply = None
            if reply:
                _save_conversation(request, [*_conversation(request), _turn(reply)])
            return redirect(reverse("knowledge:chat") + "#latest")
        question = (request.POST.get("q") or "").strip()
        if not question:
            error = _("質問を入力してください。")
        elif len(question) > 200:
            error = _("質問は200文字以内で入力してください。")
        else:
            reply = chatbot.chat_reply(question=question, user=request.user)
            if reply.kind == "fallback":
                services.chat_log_unanswered(query=question)
            _save_conversation(request, [*_conversation(request), _turn(reply)])
            return redirect(reverse("knowledge:chat") + "#latest")
    turns = _conversation(request)
    ids = {pk for t in turns for pk in [t["best"], *t["alternatives"], *t["choices"]] if pk}
    visible = {
        f.pk: f for f in FaqEntry.objects.filter(pk__in=ids).filter(selectors.faq_visible_q(request.user))
    }
    rendered = [
        {
            "question": t["question"],
            "kind": t["kind"],
            "best": visible.get(t["best"]),
            "alternatives": [visible[pk] for pk in t["alternatives"] if pk in visible],
            "choices": [visible[pk] for pk in t["choices"] if pk in visible],
            "intent": smalltalk.intent_by_id(t.get("intent")),
        }
        for t in turns
    ]
    handover = any(t["intent"] and t["intent"].handover for t in rendered)
    return render(
        request,
        "knowledge/chat.html",
        {
            "turns": rendered,
            "error": error,
            "question": question,
            "contact": smalltalk.office_contact(selectors.contact_organization()) if handover else "",
        },
    )


def chat_widget(request):
    """A page that explains how to embed the chat widget, and shows it."""
    return render(request, "knowledge/chat_widget.html")


def _conversation_text(request) -> str:
    lines = []
    visible = {
        f.pk: f
        for f in FaqEntry.objects.filter(
            pk__in=[t["best"] for t in _conversation(request) if t.get("best")]
        ).filter(selectors.faq_visible_q(request.user))
    }
    for turn in _conversation(request):
        if turn["kind"] == "smalltalk":  # greetings and thanks say nothing to the person answering
            continue
        lines.append(_("質問: %(q)s") % {"q": turn["question"]})
        best = visible.get(turn.get("best"))
        if best:
            lines.append(_("チャットの回答: %(q)s") % {"q": best.question})
        elif turn["kind"] == "fallback":
            lines.append(_("チャットの回答: 見つかりませんでした"))
    return "\n".join(lines)


@require_http_methods(["GET", "POST"])
def inquiry(request):
    organization = _organization_param(request) or services.organization_get_default()
    conversation = (
        _conversation_text(request)
        if request.GET.get("from") == "chat" or request.POST.get("from") == "chat"
        else ""
    )
    values = {"name": "", "email": "", "body": ""}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        try:
            services.inquiry_create(organization=organization, conversation=conversation, **values)
        except FieldErrors as exc:
            errors = exc.as_dict()
        else:
            _save_conversation(request, [])
            return redirect("knowledge:inquiry_thanks")
    elif conversation:
        values["body"] = _("チャットで解決しなかったため問い合わせます。\n\n") + conversation
    return render(
        request,
        "knowledge/inquiry.html",
        {
            "values": values,
            "errors": errors,
            "organization": organization,
            "from_chat": bool(conversation),
            "fields": [
                ("name", _("お名前"), "text", "name", ""),
                ("email", _("メールアドレス"), "email", "email", _("回答をお送りするメールアドレスです。")),
                ("body", _("お問い合わせ内容"), "textarea", "off", _("5,000文字以内で入力してください。")),
            ],
        },
    )


def inquiry_thanks(request):
    return render(request, "knowledge/inquiry_thanks.html")


# --- staff -------------------------------------------------------------------------------------
def _require_staff(request) -> list[Organization]:
    organizations = list(selectors.staff_organizations(request.user))
    if not organizations:
        raise PermissionDenied
    return organizations


@login_required
def staff_dashboard(request):
    organizations = _require_staff(request)
    return render(
        request,
        "knowledge/staff/dashboard.html",
        {
            "organizations": organizations,
            "zero_results": selectors.zero_result_queries(),
            "low_clicks": selectors.low_click_queries(),
            "unanswered": selectors.unanswered_chat_questions(),
            "due": selectors.faqs_due_for_review(user=request.user)[:20],
            "new_inquiries": selectors.inquiry_list(user=request.user)
            .filter(status=InquiryStatus.NEW)
            .count(),
            "faqs": FaqEntry.objects.filter(organization__in=organizations, is_archived=False).order_by(
                "-updated_at"
            )[:20],
            "writes_notices": bool(selectors.notice_organization_ids(request.user)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_faq_edit(request, faq_id: int | None = None):
    organizations = _require_staff(request)
    faq = None
    if faq_id is not None:
        faq = get_object_or_404(FaqEntry, pk=faq_id, organization__in=organizations)
    keys = ("organization", "question", "answer", "category", "keywords", "visibility", "review_on")
    if faq:
        values = {
            "organization": faq.organization.slug,
            "question": faq.question,
            "answer": faq.answer,
            "category": faq.category,
            "keywords": faq.keywords,
            "visibility": faq.visibility,
            "review_on": faq.review_on.isoformat() if faq.review_on else "",
        }
        related = {str(pk) for pk in faq.related_procedures.values_list("pk", flat=True)}
    else:
        related = set()
        values = {k: "" for k in keys} | {
            "visibility": Visibility.PUBLIC,
            "organization": organizations[0].slug,
        }
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in keys}
        organization = next((o for o in organizations if o.slug == values["organization"]), None)
        data = {k: values[k] for k in keys if k != "organization"}
        related = set(request.POST.getlist("related_procedures"))
        data["related_procedures"] = list(
            Procedure.objects.filter(organization=organization, pk__in=[p for p in related if p.isdigit()])
        )
        try:
            if organization is None:
                raise FieldErrors({"organization": [_("団体を選んでください。")]})
            if faq:
                faq = services.faq_update(faq=faq, actor=request.user, **data)
            else:
                faq = services.faq_create(organization=organization, actor=request.user, **data)
        except FieldErrors as exc:
            errors = exc.as_dict()
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc)) from exc
        else:
            return redirect("knowledge:faq_detail", faq_id=faq.pk)
    return render(
        request,
        "knowledge/staff/faq_form.html",
        {
            "faq": faq,
            "values": values,
            "errors": errors,
            "organizations": organizations,
            "visibilities": Visibility.choices,
            "revisions": faq.revisions.all()[:10] if faq else [],
            "procedures": Procedure.objects.filter(organization__in=organizations).order_by(
                "organization_id", "title"
            ),
            "related": related,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_synonyms(request):
    organizations = _require_staff(request)
    errors: dict[str, list[str]] = {}
    values = {"words": "", "organization": organizations[0].slug, "bidirectional": True}
    if request.method == "POST":
        if request.POST.get("delete"):
            synonym = get_object_or_404(Synonym, pk=request.POST["delete"], organization__in=organizations)
            services.synonym_delete(synonym=synonym, actor=request.user)
            return redirect("knowledge:staff_synonyms")
        values = {
            "words": request.POST.get("words", ""),
            "organization": request.POST.get("organization", ""),
            "bidirectional": bool(request.POST.get("bidirectional")),
        }
        organization = next((o for o in organizations if o.slug == values["organization"]), None)
        try:
            if organization is None:
                raise FieldErrors({"organization": [_("団体を選んでください。")]})
            services.synonym_create(
                organization=organization,
                actor=request.user,
                words=values["words"],
                bidirectional=values["bidirectional"],
            )
        except FieldErrors as exc:
            errors = exc.as_dict()
        else:
            return redirect("knowledge:staff_synonyms")
    return render(
        request,
        "knowledge/staff/synonyms.html",
        {
            "synonyms": Synonym.objects.filter(organization__in=organizations).select_related("organization"),
            "builtin_count": sum(1 for line in builtin_lines() if line.strip() and not line.startswith("#")),
            "organizations": organizations,
            "values": values,
            "errors": errors,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_inquiries(request):
    _require_staff(request)
    if request.method == "POST":
        inquiry = get_object_or_404(selectors.inquiry_list(user=request.user), pk=request.POST.get("inquiry"))
        try:
            services.inquiry_set_status(
                inquiry=inquiry, actor=request.user, status=request.POST.get("status", "")
            )
        except FieldErrors:
            pass
        return redirect("knowledge:staff_inquiries")
    return render(
        request,
        "knowledge/staff/inquiries.html",
        {"inquiries": selectors.inquiry_list(user=request.user)[:100], "statuses": InquiryStatus.choices},
    )


# --- staff: notices (お知らせ) ----------------------------------------------------------------
NOTICE_KEYS = ("organization", "title", "body", "visibility")


def _require_notice_writer(request) -> list[Organization]:
    organizations = list(selectors.notice_organizations(request.user))
    if not organizations:
        raise PermissionDenied
    return organizations


@login_required
def staff_notices(request):
    _require_notice_writer(request)
    return render(
        request,
        "knowledge/staff/notices.html",
        {"notices": selectors.notice_staff_list(user=request.user)[:200], "now": timezone.now()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_notice_edit(request, notice_id: int | None = None):
    organizations = _require_notice_writer(request)
    notice = selectors.access_staff_notice(user=request.user, notice_id=notice_id) if notice_id else None
    if notice:
        values = {
            "organization": notice.organization.slug,
            "title": notice.title,
            "body": notice.body,
            "visibility": notice.visibility,
        }
    else:
        values = {
            "organization": organizations[0].slug,
            "title": "",
            "body": "",
            "visibility": Visibility.PUBLIC,
        }
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in NOTICE_KEYS}
        data = {k: values[k] for k in NOTICE_KEYS if k != "organization"}
        try:
            if notice:
                notice = services.notice_update(notice=notice, actor=request.user, **data)
                messages.success(request, _("お知らせを保存しました。"))
            else:
                organization = next((o for o in organizations if o.slug == values["organization"]), None)
                if organization is None:
                    raise FieldErrors({"organization": [_("団体を選んでください。")]})
                publish = request.POST.get("action") == "publish"
                notice = services.notice_create(
                    organization=organization, actor=request.user, publish=publish, **data
                )
                messages.success(
                    request,
                    _("お知らせを公開しました。") if publish else _("お知らせを下書きとして保存しました。"),
                )
        except FieldErrors as exc:
            errors = exc.as_dict()
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc)) from exc
        else:
            return redirect("knowledge:staff_notices")
    return render(
        request,
        "knowledge/staff/notice_form.html",
        {
            "notice": notice,
            "values": values,
            "errors": errors,
            "organizations": organizations,
            "visibilities": Visibility.choices,
        },
    )


@login_required
@require_http_methods(["POST"])
def staff_notice_publish(request, notice_id: int):
    _require_notice_writer(request)
    notice = selectors.access_staff_notice(user=request.user, notice_id=notice_id)
    if request.POST.get("action") == "unpublish":
        services.notice_unpublish(notice=notice, actor=request.user)
        messages.success(request, _("「%(title)s」の公開をやめました。") % {"title": notice.title})
    else:
        services.notice_publish(notice=notice, actor=request.user)
        messages.success(request, _("「%(title)s」を公開しました。") % {"title": notice.title})
    return redirect("knowledge:staff_notices")


@login_required
@require_http_methods(["GET", "POST"])
def staff_notice_delete(request, notice_id: int):
    _require_notice_writer(request)
    notice = selectors.access_staff_notice(user=request.user, notice_id=notice_id)
    if request.method == "POST":
        services.notice_delete(notice=notice, actor=request.user)
        messages.success(request, _("「%(title)s」を削除しました。") % {"title": notice.title})
        return redirect("knowledge:staff_notices")
    return render(request, "knowledge/staff/notice_delete.html", {"notice": notice})
