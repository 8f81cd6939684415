"""An application that waits for its fee before 受付 completes (``AWAITING_PAYMENT``).

A procedure may ask for the fee before the submission completes (payments' gate
``before_submission``). The application is then saved with its 受付番号 but waits: no review
case, no receipt notice, the sweeper leaves it alone. payments — above this app — tells it how
the wait ends, through these two services (the only writers of that status besides submission
and withdrawal):

- ``application_payment_received``: the fee is paid; 受付 completes and the follow-up (case,
  receipt notice) runs after the commit, exactly once like any submission's;
- ``application_close_unpaid``: the deadline passed unpaid; the application is closed with a
  line on its timeline (and, for one already received, its case closed).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from madoguchi.accounts.types import Actor
from madoguchi.applications.constants import WITHDRAWABLE, ApplicationStatus
from madoguchi.applications.models import Application
from madoguchi.applications.services import follow_up
from madoguchi.applications.services.status import application_status_set
from madoguchi.applications.timeline import Line


def application_payment_received(*, application: Application, actor: Actor) -> bool:
    """The fee of an application waiting for it is paid: 受付 completes. Call inside the paying
    transaction; returns False (and changes nothing) unless the application was waiting."""
    locked = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
    if locked.status != ApplicationStatus.AWAITING_PAYMENT:
        return False
    application_status_set(
        application=locked,
        status=ApplicationStatus.SUBMITTED,
        kind="payment_received",
        message=Line(gettext_noop("手数料のお支払いを確認し、申請を受け付けました。")),
        actor=actor,
    )
    application.status = locked.status
    application_id = locked.pk
    transaction.on_commit(lambda: follow_up.application_follow_up_dispatch(application_id))
    return True


def application_close_unpaid(*, application: Application, message: Line, actor: Actor) -> bool:
    """Close an undecided application whose fee was not paid by the deadline (status 取下げ,
    audited ``application.closed_unpaid``, ``message`` on the timeline). One still waiting for
    its fee was never received: it gets no case and no receipt. Returns whether it was closed."""
    locked = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
    if locked.status not in WITHDRAWABLE:
        return False
    waiting = locked.status == ApplicationStatus.AWAITING_PAYMENT
    if waiting:
        locked.followed_up_at = timezone.now()  # nothing will follow: no case, no receipt
        locked.save(update_fields=["followed_up_at"])
    application_status_set(
        application=locked,
        status=ApplicationStatus.WITHDRAWN,
        kind="closed_unpaid",
        message=message,
        actor=actor,
    )
    application.status = locked.status
    if not waiting:
        from madoguchi.applications.backoffice import backoffice

        backoffice().case_close_withdrawn(application=locked, actor=actor)
    return True
