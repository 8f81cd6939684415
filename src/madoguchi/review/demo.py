"""Back-office demo data: routes, checks and notice wording for scenarios S1, S3, S4 and S11.

Idempotent. Call after the demo organizations, users and procedures exist, e.g. from
``madoguchi.demo.loader.load_demo``: ``from madoguchi.review.demo import load_backoffice_demo``.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import transaction

from madoguchi.accounts.constants import Role
from madoguchi.accounts.models import Department, Organization
from madoguchi.procedures.models import Procedure
from madoguchi.review.constants import CheckKind, NoticeKind, StepKind, StepMode
from madoguchi.review.models import NoticeTemplate, ProcedureCheck, Route, TicketSetting
from madoguchi.review.services import route_create


def _dept(org: Organization, slug: str) -> Department | None:
    return Department.objects.filter(organization=org, slug=slug).first()


def _slot(department, role="", user=None):
    return {"department": department, "role": role, "user": user}


def _procedure_route(org, slug, name, steps) -> str:
    procedure = Procedure.objects.filter(organization=org, slug=slug).first()
    if procedure is None:
        return f"  skip {slug}: procedure not loaded"
    if Route.objects.filter(procedure=procedure, name=name).exists():
        return f"  route {name}: exists"
    route_create(organization=org, procedure=procedure, name=name, steps=steps)
    return f"  route {name}: created"


def load_backoffice_demo() -> Iterator[str]:
    with transaction.atomic():
        kyosai = Organization.objects.filter(slug="kyosai").first()
        tokyo = Organization.objects.filter(slug="tokyo").first()
        if kyosai is not None and (hoken := _dept(kyosai, "hoken")):
            # S1 高額療養費: 保険課 審査 → 保険課長 決裁; duplicate check on 組合員番号 + 診療月
            yield _procedure_route(
                kyosai,
                "kogaku-ryoyohi",
                "高額療養費（審査 → 課長決裁）",
                [
                    {"name": "保険課 審査", "kind": StepKind.REVIEW, "slots": [_slot(hoken, Role.REVIEWER)]},
                    {
                        "name": "保険課長 決裁",
                        "kind": StepKind.DECISION,
                        "slots": [_slot(hoken, Role.APPROVER)],
                    },
                ],
            )
            procedure = Procedure.objects.filter(organization=kyosai, slug="kogaku-ryoyohi").first()
            if procedure is not None:
                ProcedureCheck.objects.get_or_create(
                    procedure=procedure,
                    kind=CheckKind.DUPLICATE,
                    defaults={
                        "label": "同じ組合員・同じ診療月の申請",
                        "config": {"fields": ["member_number", "treatment_month"]},
                        "message": "同じ組合員番号・診療月の申請がすでにあります。",
                    },
                )
                NoticeTemplate.objects.get_or_create(
                    procedure=procedure,
                    outcome="approved",
                    defaults={
                        "title": "高額療養費支給決定通知書",
                        "body": "{{ applicant }} 様\n\n{{ submitted_on }} に受け付けた高額療養費の支給申請"
                        "（受付番号 {{ reference_number }}）について、次のとおり支給することに決定しました。"
                        "\n\n{{ reason }}",
                    },
                )
        if tokyo is not None:
            soumu, jinzai, center = (
                _dept(tokyo, "soumu"),
                _dept(tokyo, "jinzai-ikusei"),
                _dept(tokyo, "jimu-center"),
            )
            if soumu and jinzai:
                # S3 研修申込: the 所属長 the applicant typed approves (any 総務課 決裁者 when the
                # address names no 決裁者) → 人材育成課（センター）決定
                yield _procedure_route(
                    tokyo,
                    "kenshu-moshikomi",
                    "研修申込（入力された所属長の承認 → 人材育成課決定）",
                    [
                        {
                            "name": "所属長承認",
                            "kind": StepKind.APPROVAL,
                            "slots": [{**_slot(soumu, Role.APPROVER), "person_field": "supervisor_email"}],
                        },
                        {
                            "name": "人材育成課 決定",
                            "kind": StepKind.DECISION,
                            "slots": [_slot(jinzai, Role.REVIEWER)],
                        },
                    ],
                )
            if center:
                # S4 扶養手当: 総務事務センターで審査 → 認定 → 給与システムへのデータ入力（完了で決定）;
                # eligibility: 同居, 年間収入130万円未満
                yield _procedure_route(
                    tokyo,
                    "fuyo-teate",
                    "扶養手当（総務事務センター：審査 → 認定 → データ入力）",
                    [
                        {
                            "name": "センター 審査",
                            "kind": StepKind.REVIEW,
                            "slots": [_slot(center, Role.CENTRE)],
                        },
                        {
                            "name": "センター 認定",
                            "kind": StepKind.APPROVAL,
                            "slots": [_slot(center, Role.CENTRE)],
                            "distinct_actor": True,  # not the person who reviewed
                        },
                        {
                            "name": "給与システムへのデータ入力",
                            "kind": StepKind.DECISION,
                            "slots": [_slot(center, Role.CENTRE)],
                            "distinct_actor": True,
                        },
                    ],
                )
                procedure = Procedure.objects.filter(organization=tokyo, slug="fuyo-teate").first()
                if procedure is not None:
                    ProcedureCheck.objects.get_or_create(
                        procedure=procedure,
                        kind=CheckKind.ELIGIBILITY,
                        label="同居の扶養親族",  # two eligibility checks: each found by its label
                        defaults={
                            "config": {"rule": {"field": "living_together", "equals": "yes"}},
                            "message": "別居の場合は仕送りの証明が必要です。添付書類を確認してください。",
                        },
                    )
                    ProcedureCheck.objects.get_or_create(
                        procedure=procedure,
                        kind=CheckKind.ELIGIBILITY,
                        label="扶養親族の年間収入（130万円未満）",
                        defaults={
                            "config": {"rule": {"expr": "annual_income < 1300000"}},
                            "message": "年間収入の見込みが130万円以上のため、扶養親族に認定できません。",
                        },
                    )
                    ProcedureCheck.objects.get_or_create(
                        procedure=procedure,
                        kind=CheckKind.DUPLICATE,
                        defaults={
                            "label": "同じ職員・同じ扶養親族の届出",
                            "config": {"fields": ["staff_number", "dependant_birth_date"]},
                            "message": "同じ職員番号・扶養親族の届出がすでにあります。",
                        },
                    )
            if (
                soumu
                and jinzai
                and center
                and not Route.objects.filter(organization=tokyo, procedure__isnull=True).exists()
            ):
                # S11 起案 → 合議（人材育成課・総務事務センター 並列）→ 決裁（所属長）
                route_create(
                    organization=tokyo,
                    name="起案（合議 → 所属長決裁）",
                    steps=[
                        {
                            "name": "合議",
                            "kind": StepKind.CONSULTATION,
                            "mode": StepMode.ALL,
                            "slots": [_slot(jinzai, Role.REVIEWER), _slot(center, Role.CENTRE)],
                        },
                        {
                            "name": "所属長 決裁",
                            "kind": StepKind.DECISION,
                            "slots": [_slot(soumu, Role.APPROVER)],
                        },
                    ],
                )
                yield "  proposal route: created"
    if tokyo is not None:
        yield from _exam(tokyo)
        yield from _notice_kinds(tokyo)
    yield "back-office demo data loaded."


def _exam(tokyo: Organization) -> Iterator[str]:
    """S13 採用試験: 受付（書類と受験手数料の確認）→ 合否の決定 (another person), and the 受験票
    issued once the application is accepted and its fee paid."""
    jinji = _dept(tokyo, "jinji")
    procedure = Procedure.objects.filter(organization=tokyo, slug="saiyo-shiken").first()
    if jinji is None or procedure is None:
        return
    yield _procedure_route(
        tokyo,
        "saiyo-shiken",
        "採用試験（受付 → 合否の決定）",
        [
            {
                "name": "受付（書類と受験手数料の確認）",
                "kind": StepKind.REVIEW,
                "slots": [_slot(jinji, Role.REVIEWER)],
                "deadline_days": 3,
            },
            {
                "name": "合否の決定",
                "kind": StepKind.DECISION,
                "slots": [_slot(jinji, Role.APPROVER)],
                "distinct_actor": True,
            },
        ],
    )
    TicketSetting.objects.get_or_create(
        procedure=procedure,
        defaults={
            "enabled": True,
            "number_prefix": "1B-",
            "fields": ["birth_date", "category", "venue"],
            "body": (
                "{{ applicant }} 様\n\n「{{ procedure }}」の受験を受け付けました。あなたの受験番号は {{ number }} です。"
                "\n\n第1次試験の当日は、この受験票（印刷したもの、またはスマートフォンの画面）と、写真付きの本人確認書類を"
                "お持ちください。試験の日時・会場の詳細は、{{ organization }} 人事委員会のお知らせで確認してください。"
            ),
        },
    )
    yield "  受験票 saiyo-shiken: on"


def _notice_kinds(tokyo: Organization) -> Iterator[str]:
    """S13 合格/不合格 (no 教示: exam results), S4 認定 and S3 研修 (staff matters: no 教示)."""
    for slug, kind in (
        ("saiyo-shiken", NoticeKind.EXAM),
        ("fuyo-teate", NoticeKind.CERTIFICATION),
        ("kenshu-moshikomi", NoticeKind.APPROVAL),
    ):
        procedure = Procedure.objects.filter(organization=tokyo, slug=slug).first()
        if procedure is None:
            continue
        for outcome in ("approved", "rejected"):
            NoticeTemplate.objects.get_or_create(
                procedure=procedure, outcome=outcome, defaults={"kind": kind, "appeal": False}
            )
        yield f"  notice wording {slug}: {kind}"
