"""Pages of the feedback app: the anonymous review form (from a poster's QR code or a signed
link on a receipt), and the staff pages (figures, comments, posters, exports, settings)."""

from __future__ import annotations

import csv
import io
import secrets

from django.conf import settings as django_settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from madoguchi.accounts.decorators import staff_required
from madoguchi.accounts.models import Department, Organization
from madoguchi.accounts.throttle import client_address
from madoguchi.core.downloads import file_download
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.core.qr import qr_svg
from madoguchi.core.responses import form_status
from madoguchi.feedback import selectors, services
from madoguchi.feedback.constants import SATISFACTION_TARGET, PointKind, ReviewChannel
from madoguchi.feedback.forms import NoteForm, PointForm, ReviewForm, SettingsForm
from madoguchi.feedback.models import ReviewPoint
from madoguchi.feedback.tokens import Visit, new_nonce, read_nonce, read_visit_token
from madoguchi.procedures.models import Procedure

BROWSER_COOKIE = "mdg_fb"
PERIODS = {"30": 30, "90": 90, "365": 365}


def short_url(point: ReviewPoint) -> str:
    return django_settings.SITE_URL + reverse("feedback:review", args=[point.code])


def _point_for_visit(visit: Visit) -> ReviewPoint:
    kind, _sep, ref = visit.point.partition(":")
    if kind == "procedure" and ref.isdigit():
        procedure = Procedure.objects.filter(pk=int(ref)).first()
        if procedure is None:
            raise Http404
        return services.review_point_for_procedure(procedure=procedure)
    if kind == "ref":
        organization_id, _sep, external_ref = ref.partition(":")
        point = (
            selectors.point_by_ref(organization_id=int(organization_id), external_ref=external_ref)
            if organization_id.isdigit()
            else None
        )
        if point is None:
            raise Http404
        return point
    return selectors.point_public(code=visit.point)


def _review_page(
    request: HttpRequest, *, point: ReviewPoint, visit: Visit | None, token: str
) -> HttpResponse:
    settings = selectors.settings_for(organization_id=point.organization_id)
    form_kwargs = {"difficulties": settings.difficulties, "ask_nps": settings.ask_nps}
    nonce_value = (
        request.POST.get("nonce", "") if request.method == "POST" else new_nonce(point_code=point.code)
    )
    browser = request.COOKIES.get(BROWSER_COOKIE, "")
    if request.method == "POST":
        form = ReviewForm(request.POST, **form_kwargs)
        if form.is_valid():
            nonce = read_nonce(nonce_value, point_code=point.code)
            if nonce is None:  # an old or foreign form: a fresh key, the answers kept
                nonce_value = new_nonce(point_code=point.code)
                form.add_error(
                    None, _("画面を開いてから時間がたちました。内容を確かめて、もう一度送信してください。")
                )
            else:
                try:
                    services.review_submit(
                        point=point,
                        channel=ReviewChannel.RECEIPT if visit else ReviewChannel.POSTER,
                        visit=visit,
                        nonce=nonce,
                        browser=browser,
                        address=client_address(request),
                        **form.service_data(),
                    )
                except FieldErrors as exc:
                    form.add_service_errors(exc)
                except DomainError as exc:
                    if exc.status == 429:
                        response = render(request, "feedback/busy.html", {"point": point}, status=429)
                        response["Retry-After"] = "600"
                        return response
                    return render(
                        request, "feedback/thanks.html", {"point": point, "already": True}, status=409
                    )
                else:
                    return redirect("feedback:thanks", point.code)
    else:
        form = ReviewForm(**form_kwargs)
    response = render(
        request,
        "feedback/review.html",
        {
            "point": point,
            "form": form,
            "nonce": nonce_value,
            "token": token,
            "intro": settings.intro,
            "notes": selectors.published_notes(point=point),
        },
        status=form_status(request, form.errors),
    )
    if not browser:
        response.set_cookie(
            BROWSER_COOKIE,
            secrets.token_urlsafe(16),
            max_age=60 * 60 * 24 * 365,
            httponly=True,
            samesite="Lax",
        )
    return response


def public_index(request: HttpRequest) -> HttpResponse:
    """ご意見・アンケート (applicant menu): open a survey by the code on a poster, and read what
    counters and procedures changed after the reviews (「ご意見への対応」)."""
    code = request.GET.get("code", "").strip()
    error = ""
    if "code" in request.GET:
        point = (
            ReviewPoint.objects.filter(code=code.upper().replace("-", ""), is_active=True).first()
            if code
            else None
        )
        if point is not None:
            return redirect("feedback:review", point.code)
        error = (
            _("ポスターに書かれたコード（英数字6文字）を入力してください。")
            if not code
            else _("このコードのアンケートは見つかりません。ポスターのコードを確かめてください。")
        )
    return render(
        request,
        "feedback/public_index.html",
        {"code": code, "error": error, "notes": selectors.public_notes()},
    )


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, code: str) -> HttpResponse:
    """The page a poster's QR code opens: /feedback/<code>/ (no sign-in)."""
    return _review_page(request, point=selectors.point_public(code=code), visit=None, token="")


@require_http_methods(["GET", "POST"])
def review_visit(request: HttpRequest, token: str) -> HttpResponse:
    """A signed link from a receipt, decision page or notice: one review per visit."""
    visit = read_visit_token(token)
    if visit is None:
        raise Http404
    return _review_page(request, point=_point_for_visit(visit), visit=visit, token=token)


def thanks(request: HttpRequest, code: str) -> HttpResponse:
    point = selectors.point_public(code=code)
    return render(
        request, "feedback/thanks.html", {"point": point, "notes": selectors.published_notes(point=point)}
    )


# ---------------------------------------------------------------------------- staff


def _period(request: HttpRequest) -> tuple[str, int]:
    key = request.GET.get("period", "90")
    key = key if key in PERIODS else "90"
    return key, PERIODS[key]


def _department_param(request: HttpRequest) -> int | None:
    value = request.GET.get("department", "")
    return int(value) if value.isdigit() else None


@staff_required
def staff_index(request: HttpRequest) -> HttpResponse:
    period, days = _period(request)
    kind = request.GET.get("kind", "")
    kind = kind if kind in PointKind.values else ""
    department_id = _department_param(request)
    points = selectors.staff_points(user=request.user, kind=kind, department_id=department_id)
    since = selectors.period_start(days)
    departments = selectors.departments_overview(
        points=selectors.staff_points(user=request.user, kind=kind), since=since
    )
    organizations = Organization.objects.filter(pk__in=points.values("organization_id")).order_by("name")
    managed = [o for o in organizations if selectors.can_manage(user=request.user, organization_id=o.pk)]
    return render(
        request,
        "feedback/staff/index.html",
        {
            "nav": "feedback",
            "rows": selectors.points_overview(points=points, since=since),
            "total": selectors.figures_total(points=points, since=since),
            "target_percent": round(SATISFACTION_TARGET * 100),
            "departments": departments,
            "department_id": department_id,
            "many_organizations": len({d.organization_name for d in departments}) > 1,
            "department_name": next(
                (
                    d.department_name
                    for d in departments
                    if department_id and d.department_id == department_id
                ),
                "",
            ),
            "period": period,
            "kind": kind,
            "kinds": PointKind.choices,
            "managed": managed,
        },
    )


@staff_required
def staff_point(request: HttpRequest, code: str) -> HttpResponse:
    point = selectors.access_staff_point(user=request.user, code=code)
    period, days = _period(request)
    since = selectors.period_start(days)
    return _point_page(request, point=point, period=period, since=since, note_form=NoteForm())


def _point_page(request, *, point, period, since, note_form, status=200) -> HttpResponse:
    return render(
        request,
        "feedback/staff/point.html",
        {
            "nav": "feedback",
            "point": point,
            "period": period,
            "figures": selectors.figures_total(points=ReviewPoint.objects.filter(pk=point.pk), since=since),
            "trend": selectors.point_trend(point=point),
            "difficulties": selectors.difficulty_counts(point=point, since=since),
            "comments": selectors.point_comments(point=point, since=since),
            "held": selectors.held_count(point=point),
            "held_reviews": selectors.held_reviews(point=point),
            "can_manage": selectors.can_manage(user=request.user, organization_id=point.organization_id),
            "notes": selectors.published_notes(point=point, limit=10),
            "note_form": note_form,
            "target_percent": round(SATISFACTION_TARGET * 100),
            "short_url": short_url(point),
        },
        status=status,
    )


@staff_required
@require_POST
def staff_note(request: HttpRequest, code: str) -> HttpResponse:
    point = selectors.access_staff_point(user=request.user, code=code)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.response_note_publish(actor=request.user, point=point, body=form.cleaned_data["body"])
        except FieldErrors as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("ご意見への対応を公開しました。"))
            return redirect("feedback:staff_point", point.code)
    return _point_page(
        request, point=point, period="90", since=selectors.period_start(90), note_form=form, status=422
    )


@staff_required
@require_POST
def staff_point_action(request: HttpRequest, code: str) -> HttpResponse:
    """Count held reviews after looking at them; stop or restart a point (owners and admins)."""
    point = selectors.access_staff_point(user=request.user, code=code)
    action = request.POST.get("action", "")
    if action == "release":
        for review in selectors.held_reviews(point=point):
            if str(review.pk) in request.POST.getlist("review"):
                services.review_release(actor=request.user, review=review)
        messages.success(request, _("選んだ回答を集計に入れました。"))
    elif action in ("close", "open"):
        if not selectors.can_manage(user=request.user, organization_id=point.organization_id):
            raise Http404
        services.review_point_set_active(actor=request.user, point=point, active=action == "open")
        messages.success(
            request, _("アンケートを再開しました。") if action == "open" else _("アンケートを停止しました。")
        )
    return redirect("feedback:staff_point", point.code)


@staff_required
def staff_poster(request: HttpRequest, code: str) -> HttpResponse:
    """A4 poster with the QR code and the short URL, printed from the browser (print CSS)."""
    point = selectors.access_staff_point(user=request.user, code=code)
    url = short_url(point)
    svg = qr_svg(url, label=_("アンケートのQRコード"), scale=10, border=2, css_class="poster-qr-code")
    return render(
        request, "feedback/staff/poster.html", {"nav": "feedback", "point": point, "url": url, "qr_svg": svg}
    )


@staff_required
@require_http_methods(["GET", "POST"])
def staff_point_new(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = Organization.objects.filter(slug=org_slug).first()
    if organization is None or not selectors.can_manage(user=request.user, organization_id=organization.pk):
        raise Http404
    departments = list(Department.objects.filter(organization=organization).order_by("name"))
    form = PointForm(request.POST or None)
    form.fields["department"].choices = [("", _("（全体）"))] + [(str(d.pk), d.name) for d in departments]
    if request.method == "POST" and form.is_valid():
        department = next((d for d in departments if str(d.pk) == form.cleaned_data["department"]), None)
        try:
            point = services.review_point_create(
                actor=request.user,
                organization=organization,
                kind=PointKind.COUNTER,
                name=form.cleaned_data["name"],
                location=form.cleaned_data["location"],
                department=department,
            )
        except FieldErrors as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("窓口を登録しました。ポスターを印刷して窓口に掲示してください。"))
            return redirect("feedback:staff_point", point.code)
    return render(
        request,
        "feedback/staff/point_new.html",
        {"nav": "feedback", "form": form, "organization": organization},
        status=form_status(request, form.errors),
    )


@staff_required
@require_http_methods(["GET", "POST"])
def staff_settings(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = Organization.objects.filter(slug=org_slug).first()
    if organization is None or not selectors.can_manage(user=request.user, organization_id=organization.pk):
        raise Http404
    current = selectors.settings_for(organization_id=organization.pk)
    if request.method == "POST":
        form = SettingsForm(request.POST)
        if form.is_valid():
            try:
                services.feedback_settings_update(
                    actor=request.user,
                    organization=organization,
                    ask_nps=form.cleaned_data["ask_nps"],
                    difficulties_text=form.cleaned_data["difficulties"],
                    intro=form.cleaned_data["intro"],
                )
            except FieldErrors as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("アンケートの設定を保存しました。"))
                return redirect("feedback:staff_index")
    else:
        form = SettingsForm(
            initial={
                "ask_nps": current.ask_nps,
                "difficulties": "\n".join(
                    f"{d['key']}: {d['label']}" + (f" | {d['label_en']}" if d.get("label_en") else "")
                    for d in current.difficulties
                ),
                "intro": current.intro,
            }
        )
    return render(
        request,
        "feedback/staff/settings.html",
        {"nav": "feedback", "form": form, "organization": organization},
        status=form_status(request, form.errors),
    )


EXPORT_HEADER = [
    "窓口・手続",
    "種類",
    "部署",
    "回答日時",
    "満足度(1-5)",
    "おすすめ度(0-10)",
    "困ったこと",
    "ご意見（個人情報は伏せ字）",
    "経路",
    "保留",
]


def _export_rows(request: HttpRequest):
    period, days = _period(request)
    points = selectors.staff_points(user=request.user, department_id=_department_param(request))
    labels_by_org: dict[int, dict[str, str]] = {}
    for review in selectors.export_reviews(points=points, since=selectors.period_start(days)).iterator():
        point = review.point
        labels = labels_by_org.setdefault(
            point.organization_id, selectors.difficulty_labels(organization_id=point.organization_id)
        )
        yield [
            point.name,
            point.get_kind_display(),
            point.department.name if point.department else "",
            timezone.localtime(review.submitted_at).strftime("%Y-%m-%d %H:%M"),
            review.satisfaction,
            "" if review.nps is None else review.nps,
            "、".join(labels.get(key, key) for key in review.difficulties),
            review.comment,
            review.get_channel_display(),
            "保留" if review.held else "",
        ]


def _safe_cell(value):
    """Spreadsheet formula injection: a comment starting with = + - @ is shown as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


@staff_required
def staff_export_csv(request: HttpRequest) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_HEADER)
    for row in _export_rows(request):
        writer.writerow([_safe_cell(v) for v in row])
    data = ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 correctly
    return file_download(io.BytesIO(data), original_name="feedback.csv", content_type="text/csv")


@staff_required
def staff_export_xlsx(request: HttpRequest) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("feedback")
    sheet.append(EXPORT_HEADER)
    for row in _export_rows(request):
        sheet.append([_safe_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return file_download(
        out,
        original_name="feedback.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
