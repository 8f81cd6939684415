"""Demo data for S6's review: the 新宿区 市民課 counter with its poster code ``SJK6QR`` (the QR
leads to /feedback/SJK6QR/), months of reviews for the figures, a published 「ご意見への対応」, and
review points for a few procedures. Idempotent: reviews are added only to a point without any."""

from __future__ import annotations

import datetime as dt
import random

from django.apps import apps
from django.utils import timezone

from madoguchi.accounts.models import Department, Organization
from madoguchi.feedback.constants import PointKind, ReviewChannel
from madoguchi.feedback.masking import clean_comment
from madoguchi.feedback.models import ResponseNote, Review, ReviewPoint
from madoguchi.feedback.services import feedback_settings_of, review_point_for_procedure
from madoguchi.procedures.models import Procedure

DEMO_COUNTER_CODE = "SJK6QR"

COMMENTS = [
    "予約していたので待たずに済みました。職員の方の説明も丁寧でした。",
    "書かなくてよいのは本当に楽でした。",
    "番号札の呼び出しが聞き取りにくかったです。",
    "駐車場が混んでいて時間がかかりました。",
    "手続の書類が多くて分かりにくかったです。何を持っていけばよいか事前に知りたかった。",
    "タブレットで確認するだけだったので早かったです。",
    "担当の方が親切でした。ありがとうございました。",
    "折り返しの電話をお願いしたいです。090-1234-5678 まで。",
    "マイナンバー 1234 5678 9012 の手続で来ました。スムーズでした。",
    "",
    "",
    "",
]


def _reviews(point: ReviewPoint, *, seed: int, count: int, mood: float) -> int:
    if point.reviews.exists():
        return 0
    rng = random.Random(seed)
    now = timezone.now()
    rows = []
    for index in range(count):
        days_ago = rng.uniform(0, 175)
        satisfaction = (
            5 if rng.random() < mood * 0.55 else 4 if rng.random() < mood else rng.choice([1, 2, 3, 3])
        )
        nps = min(10, max(0, satisfaction * 2 + rng.choice([-2, -1, 0, 0, 1])))
        difficulties = rng.sample(
            ["waiting", "unclear", "many_steps", "access"], k=rng.choice([0, 0, 1, 1, 2])
        )
        cleaned = clean_comment(rng.choice(COMMENTS))
        rows.append(
            Review(
                point=point,
                organization_id_copy=point.organization_id,
                submitted_at=now - dt.timedelta(days=days_ago),
                satisfaction=satisfaction,
                nps=nps if rng.random() < 0.8 else None,
                difficulties=difficulties,
                comment=cleaned.text,
                masked=cleaned.masked,
                channel=ReviewChannel.POSTER if point.kind != PointKind.PROCEDURE else ReviewChannel.RECEIPT,
                nonce=f"demo-{point.code}-{index}",
            )
        )
    Review.objects.bulk_create(rows)
    return len(rows)


def load_feedback_demo() -> list[str]:
    shinjuku = Organization.objects.get(slug="shinjuku")
    for organization in Organization.objects.all():
        feedback_settings_of(organization=organization)
    koseki = Department.objects.filter(organization=shinjuku, slug="koseki-jumin").first()
    counter, _created = ReviewPoint.objects.get_or_create(
        code=DEMO_COUNTER_CODE,
        defaults={
            "organization": shinjuku,
            "department": koseki,
            "kind": PointKind.COUNTER,
            "name": "市民課 窓口（転入・転出・マイナンバーカード）",
            "location": "本庁舎1階 市民課 3番窓口",
        },
    )
    # the reservable counter of S6 (reservations demo) is reviewed at the same point
    resource_model = apps.get_model("reservations", "Resource")  # by name: reservations is a peer app
    resource = resource_model.objects.filter(organization=shinjuku, slug="shimin-madoguchi").first()
    if resource is not None and not counter.external_ref:
        counter.external_ref = f"reservations.resource:{resource.pk}"
        counter.save(update_fields=["external_ref", "updated_at"])
    added = _reviews(counter, seed=6, count=64, mood=0.8)
    if not counter.notes.exists():
        ResponseNote.objects.create(
            point=counter,
            body="「呼び出しの声が聞き取りにくい」とのご意見をいただき、呼び出し番号を表示する画面を窓口の前に設置しました。",
        )
    second, _created = ReviewPoint.objects.get_or_create(
        code="SJK2FK",
        defaults={
            "organization": shinjuku,
            "department": Department.objects.filter(organization=shinjuku, slug="fukushi").first(),
            "kind": PointKind.COUNTER,
            "name": "福祉課 窓口",
            "location": "本庁舎2階 福祉課",
        },
    )
    added += _reviews(second, seed=7, count=40, mood=0.55)
    procedures = 0
    for seed, procedure in enumerate(Procedure.objects.filter(is_public=True).order_by("pk")[:4], start=20):
        point = review_point_for_procedure(procedure=procedure)
        added += _reviews(point, seed=seed, count=25, mood=0.7)
        procedures += 1
    return [
        f"S6 counter poster /feedback/{DEMO_COUNTER_CODE}/ (QR on /feedback/staff/points/{DEMO_COUNTER_CODE}/poster/)",
        f"review points for {procedures} procedures, {added} reviews added",
    ]
