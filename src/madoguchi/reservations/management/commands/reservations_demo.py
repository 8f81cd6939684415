"""Demo data for reservations: S6 来庁予約 (counter), S7 説明会 (briefing), S5 保養施設 with a lottery."""

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from madoguchi.accounts.constants import OrganizationKind, Role
from madoguchi.accounts.models import Membership, Organization, User
from madoguchi.reservations.constants import AllocationMode, ResourceKind
from madoguchi.reservations.models import Resource, Slot
from madoguchi.reservations.services import lottery_create, slots_generate

WEEKDAYS = {d: [["09:00", "12:00"], ["13:00", "16:30"]] for d in ("mon", "tue", "wed", "thu", "fri")}


class Command(BaseCommand):
    help = "Create demo reservation resources, slots and a lodging lottery (idempotent)."

    def handle(self, *args, **options):
        # The organizations of `madoguchi demo` (created here too when run on its own).
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
                    {"key": "name", "type": "text", "label": "お名前", "required": True},
                    {
                        "key": "purpose",
                        "type": "select",
                        "label": "ご用件",
                        "required": True,
                        "options": [
                            {"value": "move_in", "label": "転入"},
                            {"value": "move_out", "label": "転出"},
                            {"value": "mynumber", "label": "マイナンバーカードの受け取り"},
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
                "location": "市役所 第2会議室",
                "slot_minutes": 0,
                "capacity": 40,
                "max_party_size": 2,
                "opening_hours": {"wed": [["14:00", "16:00"]]},
                "opens_days_before": 60,
                "closes_hours_before": 24,
                "per_person_limit": 1,
                "required_fields": [
                    {"key": "company", "type": "text", "label": "事業者名", "required": True}
                ],
            },
        )
        lodging, _ = Resource.objects.get_or_create(
            organization=kyosai,
            slug="hoyojo-kogen",
            defaults={
                "kind": ResourceKind.LODGING,
                "name": "高原保養所 和室（4名まで）",
                "location": "長野県 高原保養所",
                "allocation": AllocationMode.LOTTERY,
                "slot_minutes": 0,
                "capacity": 3,
                "counts_party": False,
                "max_party_size": 4,
                "opening_hours": {
                    d: [["15:00", "10:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
                },
                "closed_on_holidays": False,
                "closed_year_end": False,
                "opens_days_before": 90,
                "closes_hours_before": 72,
                "per_person_limit": 1,
            },
        )
        today = timezone.localdate()
        for resource in (counter, briefing, lodging):
            created = slots_generate(resource=resource, start=today, end=today + dt.timedelta(days=60))
            self.stdout.write(f"{resource.name}: {created} new slots")
        if not lodging.lotteries.exists():
            now = timezone.now()
            peak = list(
                Slot.objects.filter(resource=lodging, starts_at__gte=now + dt.timedelta(days=30)).order_by(
                    "starts_at"
                )[:3]
            )
            if peak:
                lottery_create(
                    resource=lodging,
                    title="夏季繁忙期 高原保養所 抽選",
                    entries_open_at=now - dt.timedelta(days=1),
                    entries_close_at=now + dt.timedelta(days=7),
                    confirm_by=now + dt.timedelta(days=14),
                    slots=peak,
                    actor=None,
                )
                self.stdout.write("lottery created for the first three nights in 30 days")
        self.stdout.write("reservation staff: counter@shinjuku.example.jp (password set by madoguchi demo)")
