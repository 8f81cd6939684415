"""Sample applications for the demo, so staff find work in their queues on first sign-in.

They are made through the same services an applicant's browser uses (draft, attachment,
submit), each with a fixed idempotency key, so loading again creates nothing new.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from madoguchi.accounts.models import User
from madoguchi.applications import services
from madoguchi.applications.models import Application
from madoguchi.demo.loader import APPLICANT
from madoguchi.procedures.models import Procedure


def receipt_photo() -> SimpleUploadedFile:
    """A small JPEG standing in for a phone photo of a 領収書."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 320), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((12, 12, 468, 308), outline="black", width=3)
    draw.text((40, 60), "RECEIPT / RYOSHUSHO", fill="black")
    draw.text((40, 120), "TOTAL 185,000 JPY", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile("ryoshusho.jpg", buffer.getvalue(), content_type="image/jpeg")


def _last_month() -> date:
    return (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)


def _samples() -> list[dict[str, Any]]:
    return [
        {
            "key": "demo:kogaku-ryoyohi",
            "procedure": ("kyosai", "kogaku-ryoyohi"),
            "files": {"receipt": receipt_photo},
            "data": {
                "member_number": "12345678",
                "member_name": {
                    "family": "山田",
                    "given": "花子",
                    "family_kana": "ヤマダ",
                    "given_kana": "ハナコ",
                },
                "birth_date": "1985-04-01",
                "workplace": "総務局 人事部",
                "phone": "090-1234-5678",
                "patient": "member",
                "treatment_month": _last_month().isoformat(),
                "hospital_name": "都立広尾病院",
                "care_kind": "inpatient",
                "paid_amount": "185000",
                "payment_confirm": "registered",
                "other_benefits": "no",
                "agreement": True,
            },
        },
        {
            "key": "demo:kenshu-moshikomi",
            "procedure": ("tokyo", "kenshu-moshikomi"),
            "files": {},
            "data": {
                "staff_number": "1234567",
                "name": {"family": "山田", "given": "花子", "family_kana": "ヤマダ", "given_kana": "ハナコ"},
                "department": "総務局 人事部 人事課",
                "position": "staff",
                "email": APPLICANT,
                "course": "dx-basic",
                "preferred_date": (date.today() + timedelta(days=30)).isoformat(),
                "supervisor_name": "小林 課長",
                "supervisor_email": "tokyo-kacho@example.jp",
                "reason": "窓口の申請をオンライン化する担当になったため、DXの基礎を学び、課内で共有したいと考えています。",
            },
        },
        {
            # S14: she is in a shelter in 中野区 after the demo's fictional earthquake; the
            # ledger takes this application in as a second source about her (ledger/demo.py).
            "key": "demo:risai-shomei",
            "procedure": ("shinjuku", "risai-shomei"),
            "files": {},
            "data": {
                "victim": {
                    "family": "山田",
                    "given": "花子",
                    "family_kana": "ヤマダ",
                    "given_kana": "ハナコ",
                },
                "birth_date": "1985-04-01",
                "sex": "female",
                "address": {
                    "postal_code": "160-0023",
                    "prefecture": "東京都",
                    "city": "新宿区",
                    "street": "西新宿2-8-1",
                    "building": "",
                },
                "phone": "090-1234-5678",
                "damage_note": "壁に大きなひびが入り、家に住めなくなりました。",
                "current_place": "中野区立中央体育館（中野区中央1-1-1）",
                "needs_care": "no",
                "agreement": True,
            },
        },
    ]


def load_sample_applications() -> list[Application]:
    """Submit the sample applications of the demo applicant (once)."""
    applicant = User.objects.get(email=APPLICANT)
    made = []
    for sample in _samples():
        existing = Application.objects.filter(applicant=applicant, idempotency_key=sample["key"]).first()
        if existing:
            made.append(existing)
            continue
        org_slug, slug = sample["procedure"]
        procedure = Procedure.objects.get(organization__slug=org_slug, slug=slug)
        draft = services.draft_create(applicant=applicant, procedure=procedure, data={})
        data = dict(sample["data"])
        for field_key, make_file in sample["files"].items():
            attachment = services.draft_attachment_add(draft=draft, field_key=field_key, uploaded=make_file())
            data[field_key] = {"attachment_id": str(attachment.id)}
        draft = services.draft_update(draft=draft, data=data)
        made.append(services.application_submit(draft=draft, actor=applicant, idempotency_key=sample["key"]))
    return made
