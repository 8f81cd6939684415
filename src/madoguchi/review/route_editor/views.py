"""Route editor pages under /staff/routes/ (手続所管・管理者 only; 404 for everyone else).

Each view parses the request and calls one selector or service. Buttons that add, remove or
move rows re-render the form (forms.RouteDraft.apply) without saving anything.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from madoguchi.accounts.decorators import staff_required
from madoguchi.core.errors import FieldErrors
from madoguchi.review.constants import StepKind, StepMode
from madoguchi.review.route_editor import selectors, services
from madoguchi.review.route_editor.forms import RouteDraft


def _render(request, template: str, context: dict, *, status: int = 200):
    context.update(nav="routes", kinds=StepKind.choices, modes=StepMode.choices)
    return render(request, f"review/routes/{template}", context, status=status)


def _warn(draft: RouteDraft, procedure, organization=None) -> None:
    standard = getattr(procedure, "standard_processing_days", None)
    draft.show_warnings(
        services.route_warnings(
            steps=draft.service_steps(),
            standard_days=standard,
            organization=organization,
            proposals=organization is not None and procedure is None,
        )
    )


def _saved_warnings(request, draft: RouteDraft) -> None:
    for _anchor, message in draft.warnings:
        messages.warning(request, message)


def _choices(targets: list[selectors.RouteTarget]) -> selectors.EditorChoices:
    organizations = list({t.organization.pk: t.organization for t in targets}.values())
    procedures = [t.procedure for t in targets if t.procedure is not None]
    return selectors.editor_choices(organizations=organizations, procedures=procedures)


@staff_required
def index(request):
    sections = selectors.route_overview(user=request.user)
    return _render(request, "index.html", {"sections": sections})


@staff_required
def create(request):
    targets = selectors.route_targets(user=request.user)
    status = 200
    if request.method == "POST":
        draft = RouteDraft.from_post(request.POST)
        op = request.POST.get("op", "save")
        if op != "save":
            draft.apply(op)
        else:
            try:
                route = services.route_define(
                    user=request.user,
                    target=draft.target,
                    name=draft.name,
                    steps=draft.service_steps(),
                    make_default=draft.make_default,
                )
            except FieldErrors as exc:
                draft.show_errors(exc.as_dict())
                status = 422
            else:
                messages.success(request, _("経路「%(name)s」を作成しました。") % {"name": route.name})
                _warn(draft, route.procedure, route.organization)
                _saved_warnings(request, draft)
                return redirect(f"{reverse('review:routes:index')}#route-{route.pk}")
    else:
        draft = RouteDraft.blank(target=request.GET.get("for", ""))
    chosen = selectors.target_for(user=request.user, value=draft.target) if draft.target else None
    _warn(draft, chosen.procedure if chosen else None, chosen.organization if chosen else None)
    context = {
        "draft": draft,
        "targets": targets,
        "several_organizations": len({t.organization.pk for t in targets}) > 1,
        "choices": _choices(targets),
    }
    return _render(request, "edit.html", context, status=status)


@staff_required
def edit(request, route_id: int):
    route = selectors.route_detail(user=request.user, route_id=route_id)
    status = 200
    if request.method == "POST":
        draft = RouteDraft.from_post(request.POST)
        draft.target = RouteDraft.from_route(route).target  # not posted: the route's own
        op = request.POST.get("op", "save")
        if op != "save":
            draft.apply(op)
        else:
            try:
                result = services.route_revise(
                    user=request.user,
                    route_id=route.pk,
                    name=draft.name,
                    steps=draft.service_steps(),
                    make_default=draft.make_default,
                )
            except FieldErrors as exc:
                draft.show_errors(exc.as_dict())
                status = 422
            else:
                if result.unchanged:
                    messages.info(request, _("変更はありませんでした。"))
                elif result.replaced:
                    messages.success(
                        request,
                        _(
                            "新しい経路「%(name)s」として保存しました。処理中の案件（%(count)s件）は"
                            "元の経路のまま進みます。"
                        )
                        % {"name": result.route.name, "count": result.open_cases},
                    )
                else:
                    messages.success(
                        request, _("経路「%(name)s」を保存しました。") % {"name": result.route.name}
                    )
                if not result.unchanged:
                    _warn(draft, route.procedure, route.organization)
                    _saved_warnings(request, draft)
                return redirect(f"{reverse('review:routes:index')}#route-{result.route.pk}")
    else:
        draft = RouteDraft.from_route(route)
    _warn(draft, route.procedure, route.organization)
    target = selectors.RouteTarget(organization=route.organization, procedure=route.procedure)
    context = {"draft": draft, "route": route, "target": target, "choices": _choices([target])}
    return _render(request, "edit.html", context, status=status)


@staff_required
@require_POST
def make_default(request, route_id: int):
    route = services.route_make_default(user=request.user, route_id=route_id)
    messages.success(request, _("「%(name)s」を既定の経路にしました。") % {"name": route.name})
    return redirect(f"{reverse('review:routes:index')}#route-{route.pk}")
