"""Notices about bookings and lottery entries, through the notifications outbox.

The outbox row is written in the booking's transaction and sent after commit on the
person's chosen channels (e-mail, LINE, mailbox), retried and never sent twice for the
same dedupe key. No personal data beyond what the recipient already knows goes into a
message: the place, the time, the check-in code and a link.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.core import events
from madoguchi.notifications.services import notification_enqueue


def _notify(*, user, resource, subject: str, body: str, dedupe_key: str, url: str = "") -> None:
    notification_enqueue(
        recipient=user,
        event="reservation.updated",
        organization=resource.organization,
        context={"title": subject, "body": body, "facility": resource.name, "reservation_url": url},
        dedupe_key=dedupe_key,
        department_id=resource.department_id,
    )


def _when(slot) -> str:
    start = timezone.localtime(slot.starts_at)
    end = timezone.localtime(slot.ends_at)
    end_text = end.strftime("%H:%M") if end.date() == start.date() else end.strftime("%Y-%m-%d %H:%M")
    return f"{start:%Y-%m-%d %H:%M}〜{end_text}"


def booking_url(booking) -> str:
    return settings.SITE_URL + reverse("reservations:booking_detail", args=[booking.pk])


def _booking_lines(booking) -> str:
    resource = booking.resource
    lines = [
        _("予約先: %(name)s") % {"name": resource.name},
        _("日時: %(when)s") % {"when": _when(booking.slot)},
    ]
    if resource.location:
        lines.append(_("場所: %(location)s") % {"location": resource.location})
    lines.append(_("人数: %(n)s人") % {"n": booking.party_size})
    lines.append(_("受付コード: %(code)s") % {"code": booking.code_display})
    lines.append("")
    lines.append(_("予約の確認・変更・取消しとQRコードはこちら:"))
    lines.append(booking_url(booking))
    return "\n".join(lines) + "\n"


def booking_confirmed(booking) -> None:
    # Other apps add lines (feedback: the resource's review link) without reservations knowing them.
    mail_links: list[tuple[str, str]] = []
    events.emit("booking.confirmed", booking=booking, mail_links=mail_links)
    extra = "".join(f"\n{caption}\n{url}\n" for caption, url in mail_links)
    _notify(
        user=booking.user,
        resource=booking.resource,
        subject=_("【予約完了】%(name)s") % {"name": booking.resource.name},
        body=_("予約を受け付けました。当日は受付コードかQRコードを窓口でお見せください。")
        + "\n\n"
        + _booking_lines(booking)
        + extra,
        dedupe_key=f"booking:{booking.pk}:confirmed",
        url=booking_url(booking),
    )


def booking_changed(booking) -> None:
    _notify(
        user=booking.user,
        resource=booking.resource,
        subject=_("【予約変更】%(name)s") % {"name": booking.resource.name},
        body=_("予約の日時を変更しました。") + "\n\n" + _booking_lines(booking),
        dedupe_key=f"booking:{booking.pk}:changed:{booking.slot_id}:{timezone.now():%Y%m%d%H%M%S%f}",
        url=booking_url(booking),
    )


def booking_cancelled(booking) -> None:
    _notify(
        user=booking.user,
        resource=booking.resource,
        subject=_("【予約取消し】%(name)s") % {"name": booking.resource.name},
        body=_("次の予約を取り消しました。") + "\n\n" + _booking_lines(booking),
        dedupe_key=f"booking:{booking.pk}:cancelled",
    )


def booking_reminder(booking) -> None:
    _notify(
        user=booking.user,
        resource=booking.resource,
        subject=_("【明日のご予約】%(name)s") % {"name": booking.resource.name},
        body=_("ご予約の日時が近づきました。来られなくなった場合は取消しをお願いします。")
        + "\n\n"
        + _booking_lines(booking),
        dedupe_key=f"booking:{booking.pk}:reminder:{booking.slot_id}",
        url=booking_url(booking),
    )


def lottery_entered(entry) -> None:
    _notify(
        user=entry.user,
        resource=entry.lottery.resource,
        subject=_("【抽選申込受付】%(title)s") % {"title": entry.lottery.title},
        body=_("抽選の申込を受け付けました。申込番号: %(id)s\n抽選結果はメールでお知らせします。")
        % {"id": entry.pk},
        dedupe_key=f"lottery-entry:{entry.pk}:entered",
    )


def lottery_won(booking, *, offered: bool = False) -> None:
    deadline = timezone.localtime(booking.expires_at).strftime("%Y-%m-%d %H:%M")
    intro = (
        _("キャンセル待ちから繰り上げ当選しました。") if offered else _("抽選の結果、当選しました。")
    ) + _("%(deadline)s までに予約を確定してください。期限を過ぎると次の方に権利が移ります。") % {
        "deadline": deadline
    }
    _notify(
        user=booking.user,
        resource=booking.resource,
        subject=_("【当選】%(name)s") % {"name": booking.resource.name},
        body=intro + "\n\n" + _booking_lines(booking),
        dedupe_key=f"booking:{booking.pk}:won:{'offered' if offered else 'drawn'}",
        url=booking_url(booking),
    )


def lottery_waitlisted(entry) -> None:
    _notify(
        user=entry.user,
        resource=entry.lottery.resource,
        dedupe_key=f"lottery-entry:{entry.pk}:waitlisted",
        subject=_("【抽選結果】%(title)s") % {"title": entry.lottery.title},
        body=_(
            "抽選の結果、今回は落選となり、キャンセル待ち %(n)s 番として登録しました。"
            "空きが出た場合は順番にメールでお知らせします。"
        )
        % {"n": entry.waitlist_position},
    )
