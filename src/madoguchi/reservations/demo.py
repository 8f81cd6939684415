"""Reservation demo data for ``madoguchi demo`` (also ``madoguchi reservations_demo``).

Every date is relative to the day the demo is loaded, so the scenarios can be played that day:

- S5 保養施設: the 軽井沢保養所 is booked first-come, except busy nights that go by lottery. One
  lottery is open for entries (nights four to six weeks ahead); another closed yesterday with
  entries by demo members (山田 花子 among them), ready for staff to press 抽選する today.
- S6 来庁予約: 山田 花子 has a booking at the 市民課 counter today, so staff can check her in.
- S7 説明会: the 指定申請説明会 is linked from the 指定申請 procedure's page.

Idempotent: resources by slug, lotteries by title, bookings by idempotency key.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from madoguchi.accounts.constants import OrganizationKind, Role
from madoguchi.accounts.models import Membership, Organization, User
from madoguchi.core.errors import DomainError
from madoguchi.reservations import calendar, rules
from madoguchi.reservations.constants import AllocationMode, ResourceKind
from madoguchi.reservations.models import Lottery, Resource, Slot
from madoguchi.reservations.services import booking_create, lottery_create, lottery_enter, slots_generate

WEEKDAYS = {d: [["09:00", "12:00"], ["13:00", "16:30"]] for d in ("mon", "tue", "wed", "thu", "fri")}
EVERY_NIGHT = {d: [["15:00", "10:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
APPLICANT = "hanako@example.jp"
# Fictional members who entered the lottery that is ready for the draw (no sign-in needed).
MEMBERS = [(f"kumiai{n:02d}@example.jp", f"組合員 デモ{n}") for n in range(1, 8)]


def lottery_title(nights: list[Slot]) -> str:
    """「<season>の宿泊 抽選（1月8日〜1月10日）」 from the nights themselves, so a lottery is never
    named after a season it is not in."""
    days = sorted(timezone.localtime(s.starts_at).date() for s in nights)
    first, last = days[0], days[-1]
    span = f"{first.month}月{first.day}日" + (f"〜{last.month}月{last.day}日" if last != first else "")
    return f"{calendar.peak_season(first)}の宿泊 抽選（{span}）"


def _resources(city: Organization, kyosai: Organization) -> tuple[Resource, Resource, Resource]:
    counter, _ = Resource.objects.get_or_create(
        organization=city,
        slug="shimin-madoguchi",
        defaults={
            "kind": ResourceKind.COUNTER,
            "name": "市民課 来庁予約（転入・転出・マイナンバーカード）",
            "service": "転入・転出の届出、マイナンバーカードの受け取り",
            "location": "本庁舎1階 市民課 3番窓口",
            "slot_minutes": 30,
            "capacity": 2,
            "max_party_size": 3,
            "opening_hours": WEEKDAYS,
            "opens_days_before": 30,
            "closes_hours_before": 2,
            "per_person_limit": 2,
            "required_fields": [
                {
                    "key": "name",
                    "type": "text",
                    "label": "お名前",
                    "label_en": "Your name",
                    "required": True,
                    "autocomplete": "name",
                    "prefill": True,  # the account's name, still editable
                },
                {
                    "key": "purpose",
                    "type": "select",
                    "label": "ご用件",
                    "label_en": "What you come for",
                    "required": True,
                    "options": [
                        {"value": "move_in", "label": "転入", "label_en": "Moving in"},
                        {"value": "move_out", "label": "転出", "label_en": "Moving out"},
                        {
                            "value": "mynumber",
                            "label": "マイナンバーカードの受け取り",
                            "label_en": "Collecting a My Number Card",
                        },
                    ],
                },
            ],
        },
    )
    briefing, _ = Resource.objects.get_or_create(
        organization=city,
        slug="shitei-setsumeikai",
        defaults={
            "kind": ResourceKind.BRIEFING,
            "name": "障害福祉サービス事業者 指定申請説明会",
            "description": "指定申請の前に参加していただく説明会です。申請書の書き方、必要な書類、人員・設備の基準を説明します。",
            "location": "新宿区役所 第2会議室",
            "slot_minutes": 0,
            "capacity": 40,
            "max_party_size": 2,
            "opening_hours": {"wed": [["14:00", "16:00"]]},
            "opens_days_before": 60,
            "closes_hours_before": 24,
            "per_person_limit": 1,
            "required_fields": [{"key": "company", "type": "text", "label": "事業者名", "required": True}],
        },
    )
    lodging, _ = Resource.objects.get_or_create(
        organization=kyosai,
        slug="hoyojo-kogen",
        defaults={
            "kind": ResourceKind.LODGING,
            "name": "軽井沢保養所 和室（4名まで）",
            "description": "ふだんは先着順です。申込みが多い日（連休・年末年始・夏休みなど）は抽選です。",
            "location": "長野県北佐久郡軽井沢町",
            "allocation": AllocationMode.FIRST_COME,
            "slot_minutes": 0,
            "capacity": 3,
            "counts_party": False,
            "max_party_size": 4,
            "opening_hours": EVERY_NIGHT,
            "closed_on_holidays": False,
            "closed_year_end": False,
            "opens_days_before": 90,
            "closes_hours_before": 72,
            "per_person_limit": 1,
        },
    )
    if lodging.allocation != AllocationMode.FIRST_COME:
        # Older demo databases gave every night by lottery while only three nights had one.
        lodging.allocation = AllocationMode.FIRST_COME
        lodging.save(update_fields=["allocation", "updated_at"])
    if any(f.get("key") == "name" and not f.get("prefill") for f in counter.required_fields or []):
        # Older demo databases asked for the name without starting from the account's.
        counter.required_fields = [
            {**f, "autocomplete": "name", "prefill": True} if f.get("key") == "name" else f
            for f in counter.required_fields
        ]
        counter.save(update_fields=["required_fields", "updated_at"])
    return counter, briefing, lodging


def _link_procedures(resource: Resource, *keys: tuple[str, str]) -> None:
    from madoguchi.procedures.models import Procedure

    for org_slug, slug in keys:
        procedure = Procedure.objects.filter(organization__slug=org_slug, slug=slug).first()
        if procedure is not None:
            resource.procedures.add(procedure)


def _free_nights(lodging: Resource, start: dt.datetime, end: dt.datetime, count: int) -> list[Slot]:
    """``count`` consecutive free nights outside any lottery in [start, end), from the first Friday."""
    nights = list(
        Slot.objects.filter(
            resource=lodging, starts_at__gte=start, starts_at__lt=end, lottery__isnull=True, booked_count=0
        ).order_by("starts_at")
    )
    for index, night in enumerate(nights):
        if timezone.localtime(night.starts_at).weekday() == 4:  # a Friday
            return nights[index : index + count]
    return nights[:count]


def _member(email: str, name: str) -> User:
    user = User.objects.filter(email=email).first()
    return user or User.objects.create_user(email, password=None, display_name=name)


def _lotteries(lodging: Resource, now: dt.datetime) -> list[str]:
    lines = []
    open_now = Lottery.objects.filter(resource=lodging, status="open", entries_close_at__gt=now)
    if not open_now.exists():
        nights = _free_nights(lodging, now + dt.timedelta(days=28), now + dt.timedelta(days=42), 3)
        if nights:
            item = lottery_create(
                resource=lodging,
                title=lottery_title(nights),
                entries_open_at=now - dt.timedelta(days=1),
                entries_close_at=now + dt.timedelta(days=7),
                confirm_by=now + dt.timedelta(days=14),
                slots=nights,
                actor=None,
            )
            lines.append(f"lottery open for entries: {item.title}")
    ready = Lottery.objects.filter(resource=lodging, status="open", entries_close_at__lte=now)
    if not ready.exists() and not Lottery.objects.filter(resource=lodging, status="drawn").exists():
        nights = _free_nights(lodging, now + dt.timedelta(days=10), now + dt.timedelta(days=24), 2)
        if nights:
            opened = now - dt.timedelta(days=8)
            item = lottery_create(
                resource=lodging,
                title=lottery_title(nights),
                entries_open_at=opened,
                entries_close_at=now - dt.timedelta(hours=1),
                confirm_by=now + dt.timedelta(days=7),
                slots=nights,
                actor=None,
            )
            people = [User.objects.get(email=APPLICANT)] + [_member(e, n) for e, n in MEMBERS]
            for number, person in enumerate(people):
                lottery_enter(
                    lottery_obj=item,
                    user=person,
                    first_choice_id=nights[number % len(nights)].pk,
                    second_choice_id=nights[(number + 1) % len(nights)].pk if len(nights) > 1 else None,
                    party_size=1 + number % 4,
                    now=opened + dt.timedelta(hours=number + 1),
                )
            lines.append(f"lottery ready for the draw today ({len(people)} entries): {item.title}")
    return lines


def _today_slot(counter: Resource, today: dt.date) -> Slot:
    """A slot of the counter today (a 休日開庁 slot when the demo starts on a closed day)."""
    tz = rules.local_tz()
    start = dt.datetime.combine(today, dt.time.min, tzinfo=tz)
    slot = (
        Slot.objects.filter(
            resource=counter, starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1)
        )
        .order_by("starts_at")
        .first()
    )
    if slot is None:
        begins = dt.datetime.combine(today, dt.time(9, 0), tzinfo=tz)
        slot, _ = Slot.objects.get_or_create(
            resource=counter,
            starts_at=begins,
            defaults={"ends_at": begins + dt.timedelta(minutes=30), "capacity": counter.capacity},
        )
    return slot


def _today_booking(counter: Resource, today: dt.date) -> str:
    slot = _today_slot(counter, today)
    applicant = User.objects.get(email=APPLICANT)
    try:
        booking = booking_create(
            user=applicant,
            slot_id=slot.pk,
            data={"name": "山田 花子", "purpose": "move_in"},
            idempotency_key=f"demo:s6:{today.isoformat()}",
            now=slot.starts_at - dt.timedelta(days=1),  # booked the day before
        )
    except DomainError as exc:
        return f"no counter booking for today: {exc.message}"
    return f"counter booking today for {APPLICANT}: code {booking.code_display}"


def load_reservations_demo(*, now: dt.datetime | None = None) -> list[str]:
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    lines: list[str] = []
    with transaction.atomic():
        city, _ = Organization.objects.get_or_create(
            slug="shinjuku",
            defaults={"name": "新宿区", "kind": OrganizationKind.MUNICIPALITY, "reference_prefix": "SJK"},
        )
        kyosai, _ = Organization.objects.get_or_create(
            slug="kyosai",
            defaults={
                "name": "東京都職員共済組合",
                "kind": OrganizationKind.ASSOCIATION,
                "reference_prefix": "KYO",
            },
        )
        staff, _ = User.objects.get_or_create(
            email="counter@shinjuku.example.jp", defaults={"display_name": "窓口 花子"}
        )
        Membership.objects.get_or_create(user=staff, organization=city, role=Role.COUNTER)
        Membership.objects.get_or_create(user=staff, organization=kyosai, role=Role.OWNER)
        if not User.objects.filter(email=APPLICANT).exists():
            User.objects.create_user(APPLICANT, password=None, display_name="山田 花子")
        counter, briefing, lodging = _resources(city, kyosai)
        _link_procedures(lodging, ("kyosai", "hoyo-shisetsu"))
        _link_procedures(
            briefing, ("shinjuku", "shogai-fukushi-shitei"), ("shinjuku", "shogai-fukushi-henko")
        )
        for resource in (counter, briefing, lodging):
            created = slots_generate(resource=resource, start=today, end=today + dt.timedelta(days=60))
            lines.append(f"{resource.name}: {created} new slots")
        lines += _lotteries(lodging, now)
        lines.append(_today_booking(counter, today))
    lines.append("reservation staff: counter@shinjuku.example.jp (password set by madoguchi demo)")
    return lines
