"""Staff are told when ledger work reaches them: pairs waiting for a decision after a matching run."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from madoguchi.notifications.constants import ChannelKind
from madoguchi.notifications.events import EventType, register_event

PAIRS_WAITING = "ledger.pairs_waiting"

register_event(
    EventType(
        id=PAIRS_WAITING,
        label=_("名寄せの確認待ち（災害時都民台帳）"),
        placeholders=("event_name", "count", "queue_url"),
        subject={"ja": "【確認待ち】{{ event_name }} 名寄せ", "en": "To review: {{ event_name }} matching"},
        body={
            "ja": "{{ recipient_name }} 様\n\n{{ event_name }} の名寄せで、同一人物か確認が必要な組が "
            "{{ count }} 件あります。\n{{ queue_url }}\n\n（氏名などはこのメールには書いていません）",
            "en": "Dear {{ recipient_name }},\n\nMatching for {{ event_name }} left {{ count }} pair(s) to "
            "review.\n{{ queue_url }}\n\n(No names are included in this message.)",
        },
        sample={"event_name": "架空地震", "count": "3", "queue_url": "https://madoguchi.example.jp/ledger/…"},
    )
)


def notify_pairs_waiting(*, event, count: int, job) -> None:
    """To every prefecture ledger user of the event (mailbox and e-mail; no personal data)."""
    from django.db.models import Q

    from madoguchi.ledger.constants import LedgerRoleKind
    from madoguchi.ledger.models import LedgerRole
    from madoguchi.notifications.services import notification_enqueue

    url = settings.SITE_URL + reverse("ledger:pairs", args=[event.pk])
    roles = LedgerRole.objects.filter(
        Q(event__isnull=True) | Q(event=event),
        organization_id=event.prefecture_id,
        kind=LedgerRoleKind.PREFECTURE,
    ).select_related("user")
    for role in {r.user_id: r for r in roles}.values():
        notification_enqueue(
            recipient=role.user,
            event=PAIRS_WAITING,
            organization=event.prefecture,
            context={"event_name": event.name, "count": str(count), "queue_url": url},
            dedupe_key=f"ledger:{event.pk}:pairs:{job.pk}",
            channels=(ChannelKind.MAILBOX, ChannelKind.EMAIL),
        )
