"""JSON door to the reviews (same services as the pages):

- ``GET /api/v1/feedback/points/{code}``: what the review form asks (public);
- ``POST /api/v1/feedback/points/{code}/reviews``: an anonymous review (public; an
  ``Idempotency-Key`` header makes a retry store one review; ``token`` is a signed visit token);
- ``GET /api/v1/staff/feedback/points``: the figures per point for the staff session's scope.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from madoguchi.accounts.apiauth import require_user
from madoguchi.accounts.sessions import is_staff_session
from madoguchi.accounts.throttle import client_address
from madoguchi.core.errors import FieldErrors, PermissionDeniedError
from madoguchi.feedback import selectors, services
from madoguchi.feedback.constants import ReviewChannel
from madoguchi.feedback.tokens import key_digest, read_visit_token

router = Router(tags=["feedback"])


class ChoiceOut(Schema):
    key: str
    label: str


class PointOut(Schema):
    code: str
    name: str
    kind: str
    organization: str
    location: str
    ask_nps: bool
    difficulties: list[ChoiceOut]


class ReviewIn(Schema):
    satisfaction: int | str
    nps: int | str | None = None
    difficulties: list[str] = Field(default_factory=list, max_length=20)
    comment: str = Field(default="", max_length=5000)
    token: str | None = Field(default=None, max_length=2000)


class ReviewOut(Schema):
    id: str
    created: bool


class FiguresOut(Schema):
    code: str
    name: str
    kind: str
    count: int
    high_rate: float | None
    meets_target: bool | None
    nps: int | None


class StaffPointsParams(Schema):
    days: int = 90


@router.get("/feedback/points/{code}", response=PointOut, summary="アンケートの内容 / What a review asks")
def point_detail(request, code: str):
    point = selectors.point_public(code=code)
    settings = selectors.settings_for(organization_id=point.organization_id)
    return {
        "code": point.code,
        "name": point.name,
        "kind": point.kind,
        "organization": point.organization.name,
        "location": point.location,
        "ask_nps": settings.ask_nps,
        "difficulties": settings.difficulties,
    }


@router.post(
    "/feedback/points/{code}/reviews",
    response={201: ReviewOut, 200: ReviewOut, 429: dict},
    summary="アンケートに答える / Submit a review",
)
def review_create(request, code: str, payload: ReviewIn):
    point = selectors.point_public(code=code)
    visit = None
    if payload.token:
        visit = read_visit_token(payload.token)
        if visit is None:
            raise Http404
    key = request.headers.get("Idempotency-Key", "").strip()[:200]
    review, created = services.review_submit(
        point=point,
        satisfaction=payload.satisfaction,
        nps=payload.nps,
        difficulties=payload.difficulties,
        comment=payload.comment,
        channel=ReviewChannel.API,
        visit=visit,
        nonce=key_digest(key) if key else None,
        address=client_address(request),
    )
    return Status(201 if created else 200, {"id": str(review.pk), "created": created})


@router.get(
    "/staff/feedback/points", response=list[FiguresOut], summary="窓口・手続ごとの評価 / Figures per point"
)
def staff_points(request, params: Query[StaffPointsParams]):
    user = require_user(request)
    if not is_staff_session(request):
        raise PermissionDeniedError(_("職員としてログインしてください。"))
    if not 1 <= params.days <= 3660:
        raise FieldErrors({"days": [_("days は 1 から 3660 までの数にしてください。")]})
    rows = selectors.points_overview(
        points=selectors.staff_points(user=user), since=selectors.period_start(params.days)
    )
    return [
        {
            "code": point.code,
            "name": point.name,
            "kind": point.kind,
            "count": figures.count,
            "high_rate": figures.high_rate,
            "meets_target": figures.meets_target,
            "nps": figures.nps,
        }
        for point, figures in rows
    ]
