"""E-mails about bookings and lottery entries, sent after the transaction commits.

No personal data beyond what the recipient already knows goes into a message: the place,
the time, the check-in code and a link. When the notifications app exists these become
notification templates; until then they are plain ``send_mail`` calls.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def _send(subject: str, body: str, to: str) -> None:
    try:
        send_mail(subject, body, None, [to])
    except Exception:  # noqa: BLE001 - the booking stands; the page already showed the confirmation
        logger.exception("reservations: mail to a user could not be sent (subject %s)", subject)


def send_after_commit(subject: str, body: str, to: str) -> None:
    transaction.on_commit(lambda: _send(subject, body, to))


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
    send_after_commit(
        _("【予約完了】%(name)s") % {"name": booking.resource.name},
        _("予約を受け付けました。当日は受付コードかQRコードを窓口でお見せください。")
        + "\n\n"
        + _booking_lines(booking),
        booking.user.email,
    )


def booking_changed(booking) -> None:
    send_after_commit(
        _("【予約変更】%(name)s") % {"name": booking.resource.name},
        _("予約の日時を変更しました。") + "\n\n" + _booking_lines(booking),
        booking.user.email,
    )


def booking_cancelled(booking) -> None:
    send_after_commit(
        _("【予約取消し】%(name)s") % {"name": booking.resource.name},
        _("次の予約を取り消しました。") + "\n\n" + _booking_lines(booking),
        booking.user.email,
    )


def booking_reminder(booking) -> None:
    _send(
        _("【明日のご予約】%(name)s") % {"name": booking.resource.name},
        _("ご予約の日時が近づきました。来られなくなった場合は取消しをお願いします。")
        + "\n\n"
        + _booking_lines(booking),
        booking.user.email,
    )


def lottery_entered(entry) -> None:
    send_after_commit(
        _("【抽選申込受付】%(title)s") % {"title": entry.lottery.title},
        _("抽選の申込を受け付けました。申込番号: %(id)s\n抽選結果はメールでお知らせします。")
        % {"id": entry.pk},
        entry.user.email,
    )


def lottery_won(booking, *, offered: bool = False) -> None:
    deadline = timezone.localtime(booking.expires_at).strftime("%Y-%m-%d %H:%M")
    intro = (
        _("キャンセル待ちから繰り上げ当選しました。") if offered else _("抽選の結果、当選しました。")
    ) + _("%(deadline)s までに予約を確定してください。期限を過ぎると次の方に権利が移ります。") % {
        "deadline": deadline
    }
    send_after_commit(
        _("【当選】%(name)s") % {"name": booking.resource.name},
        intro + "\n\n" + _booking_lines(booking),
        booking.user.email,
    )


def lottery_waitlisted(entry) -> None:
    send_after_commit(
        _("【抽選結果】%(title)s") % {"title": entry.lottery.title},
        _(
            "抽選の結果、今回は落選となり、キャンセル待ち %(n)s 番として登録しました。"
            "空きが出た場合は順番にメールでお知らせします。"
        )
        % {"n": entry.waitlist_position},
        entry.user.email,
    )
