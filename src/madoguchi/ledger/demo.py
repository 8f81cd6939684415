"""Demo data of the 災害時都民台帳 (S14): a fictional earthquake, three wards' 被災者台帳 of
generated fictional people, evacuees across ward borders, a few uncertain matches, one
罹災証明書 application, and the ledger roles of the demo staff (with TOTP, which the ledger needs).

Idempotent: when the event exists, nothing is loaded again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

from madoguchi.accounts.models import Organization, User
from madoguchi.ledger.constants import LedgerRoleKind
from madoguchi.ledger.models import DisasterEvent, LedgerRole
from madoguchi.ledger.people_generator import FakePerson, as_written_elsewhere, people, uncertain
from madoguchi.ledger.writers import csv_bytes, xlsx_bytes

EVENT_NAME = "架空首都直下地震（デモ）"
PREFECTURE = "tokyo"
WARDS = ("shinjuku", "nakano", "suginami")
USERS = {
    "tokyo-daicho@example.jp": ("tokyo", LedgerRoleKind.PREFECTURE),
    "shinjuku-daicho@example.jp": ("shinjuku", LedgerRoleKind.MUNICIPALITY),
    "nakano-daicho@example.jp": ("nakano", LedgerRoleKind.MUNICIPALITY),
    "suginami-daicho@example.jp": ("suginami", LedgerRoleKind.MUNICIPALITY),
}
SIZES = {"shinjuku": 60, "nakano": 50, "suginami": 40}
SHELTERS = {
    "shinjuku": "新宿区立西新宿小学校（新宿区西新宿4-35-1）",
    "nakano": "中野区立中央体育館（中野区中央1-1-1）",
    "suginami": "杉並区立高円寺中学校（杉並区高円寺南2-1-1）",
}
# Nakano keeps its 被災者台帳 in its own layout: mapped once on screen (the demo does it for it).
NAKANO_HEADER = [
    "整理No",
    "氏名（漢字）",
    "氏名（カナ）",
    "誕生日",
    "性別",
    "住民登録地",
    "居所",
    "被害認定",
    "連絡先電話",
]
NAKANO_MAPPING = {
    "source_key": "整理No",
    "name": "氏名（漢字）",
    "kana": "氏名（カナ）",
    "birth_date": "誕生日",
    "sex": "性別",
    "address": "住民登録地",
    "current_address": "居所",
    "damage_level": "被害認定",
    "phone": "連絡先電話",
}


def _roles(event: DisasterEvent | None = None) -> list[User]:
    """The prefecture office's standing role; the wards' roles for the demo event only."""
    users = []
    for email, (slug, kind) in USERS.items():
        user = User.objects.filter(email=email).first()
        if user is None:
            continue
        organization = Organization.objects.get(slug=slug)
        if kind == LedgerRoleKind.PREFECTURE:
            LedgerRole.objects.get_or_create(user=user, organization=organization, kind=kind, event=None)
        elif event is not None:
            LedgerRole.objects.get_or_create(user=user, organization=organization, kind=kind, event=event)
        users.append(user)
    return users


def _files() -> dict[str, list[FakePerson]]:
    """Each ward's residents, and the evacuees as the receiving ward writes them."""
    names = {o.slug: o.name for o in Organization.objects.filter(slug__in=WARDS)}
    residents = {
        slug: list(people(names[slug], SIZES[slug], seed=2026, prefix=slug[:2].upper())) for slug in WARDS
    }
    files = {slug: list(rows) for slug, rows in residents.items()}
    moves = [("shinjuku", "nakano", 8), ("suginami", "shinjuku", 5), ("nakano", "suginami", 3)]
    number = 900
    for home, refuge, count in moves:
        for i, person in enumerate(residents[home][:count]):
            number += 1
            shelter = SHELTERS[refuge]
            files[home][i] = _at_shelter(person, shelter)
            files[refuge].append(
                as_written_elsewhere(
                    person, key=f"{refuge[:2].upper()}{number:06d}", current=shelter, variant=i
                )
            )
    # uncertain: the same people written with a mistake by the receiving ward
    for i, person in enumerate(residents["shinjuku"][20:23]):
        number += 1
        files["shinjuku"][20 + i] = _at_shelter(person, SHELTERS["nakano"])
        files["nakano"].append(
            uncertain(person, key=f"NA{number:06d}", current=SHELTERS["nakano"], variant=i)
        )
    # the demo applicant, whose 罹災証明書 application to 新宿区 is a sample (demo/samples.py)
    files["nakano"].append(HANAKO)
    return files


HANAKO = FakePerson(
    key="NA000999",
    family="山田",
    given="花子",
    family_kana="やまだ",
    given_kana="はなこ",
    birth=dt.date(1985, 4, 1),
    sex="女",
    address="東京都新宿区西新宿二丁目8番1号",
    phone="090-1234-5678",
    damage="",
    support=("", "", "", "", ""),
    needs_care=False,
    current="中野区立中央体育館（中野区中央1-1-1）",
)


def _at_shelter(person: FakePerson, shelter: str) -> FakePerson:
    from dataclasses import replace

    return replace(person, shelter=shelter)


def _send(user: User, event: DisasterEvent, data: bytes, name: str):
    from madoguchi.ledger.services.uploads import upload_create, upload_process

    upload = upload_create(user=user, event_id=event.pk, organization_id=None, name=name, data=data)
    upload_process(upload_id=upload.pk)  # as the worker would (nothing happens if it already ran)
    upload.refresh_from_db()
    return upload


def _rows_nakano(persons: list[FakePerson]) -> list[list[str]]:
    return [
        [
            p.key,
            p.name,
            p.kana,
            p.birth_text or p.birth.isoformat(),
            p.sex,
            p.address,
            p.current,
            p.damage,
            p.phone,
        ]
        for p in persons
    ]


def _link_risai_procedure(event: DisasterEvent) -> None:
    """新宿区's 罹災証明書 applications feed the event. The demo applicant's application (山田 花子,
    from a shelter in 中野区, which lists her too) is a sample application (demo/samples.py),
    submitted after this loader: 「罹災証明書の申請を取り込む」 on the event page brings it in
    (in production the beat task ledger.sync_applications does it every few minutes)."""
    from madoguchi.ledger.services.feeds import feed_link
    from madoguchi.procedures.models import Procedure

    procedure = Procedure.objects.filter(organization__slug="shinjuku", slug="risai-shomei").first()
    if procedure is not None:
        feed_link(event=event, procedure=procedure)


def load_ledger_demo() -> Iterator[str]:
    users = {u.email: u for u in _roles()}
    if len(users) < len(USERS):
        yield "demo users for the ledger are missing (organizations.json)"
        return
    existing = DisasterEvent.objects.filter(name=EVENT_NAME).first()
    if existing is not None:
        _roles(existing)
        yield f"event {EVENT_NAME} already loaded"
        return
    from madoguchi.ledger.services.events import event_create
    from madoguchi.ledger.services.feeds import feeds_sync
    from madoguchi.ledger.services.matching import matching_process, matching_start
    from madoguchi.ledger.services.uploads import upload_map_columns, upload_process

    pref = users["tokyo-daicho@example.jp"]
    wards = {o.slug: o for o in Organization.objects.filter(slug__in=WARDS)}
    event = event_create(
        user=pref,
        prefecture_id=None,
        name=EVENT_NAME,
        occurred_on=timezone.localdate() - dt.timedelta(days=10),
        municipality_ids=[wards[s].pk for s in WARDS],
    )
    _roles(event)  # each ward's ledger staff, for this event only
    files = _files()
    shinjuku = users["shinjuku-daicho@example.jp"]
    # 新宿区: a first file with two mistakes (kept, not applied), then the corrected file
    rows = [p.row() for p in files["shinjuku"]]
    broken = [list(r) for r in rows]
    broken[4][3] = "昭和70年4月1日"
    broken[9][2] = "山田 ハナコ"
    _send(shinjuku, event, csv_bytes(broken, encoding="cp932"), "shinjuku-daicho-1.csv")
    _send(shinjuku, event, csv_bytes(rows, encoding="cp932"), "shinjuku-daicho-2.csv")
    # 中野区: its own layout, mapped once
    nakano = users["nakano-daicho@example.jp"]
    upload = _send(
        nakano, event, csv_bytes(_rows_nakano(files["nakano"]), header=NAKANO_HEADER), "nakano.csv"
    )
    if upload.status == "needs_mapping":
        upload_map_columns(user=nakano, event_id=event.pk, upload_id=upload.pk, mapping=NAKANO_MAPPING)
        upload_process(upload_id=upload.pk)
    # 杉並区: Excel
    _send(
        users["suginami-daicho@example.jp"],
        event,
        xlsx_bytes([p.row() for p in files["suginami"]]),
        "suginami.xlsx",
    )
    _link_risai_procedure(event)
    feeds_sync(event=event)
    job = matching_start(user=pref, event_id=event.pk)
    result = matching_process(job_id=job.pk) or {}
    yield (
        f"event {EVENT_NAME}: {sum(len(v) for v in files.values())} rows from 3 wards, "
        f"{result.get('auto', 0)} automatic matches, {result.get('pending', 0)} to review"
    )
    yield "sign in at /staff/login/ as tokyo-daicho@example.jp (or shinjuku-/nakano-/suginami-daicho@example.jp), then open /ledger/"
    yield "the ledger needs the staff sign-in's second step: the demo's authenticator code (see below)"
