"""feedback's reactions to other apps' events (registered in ``FeedbackConfig.ready``): the review
link on what an applicant receives, without those apps knowing that reviews exist.

- ``case.deciding`` (review, inside the decision's transaction): the decision notice PDF gets the
  procedure's review form as a QR code with its URL, and the result mail (``{{ review_url }}``) the
  same link — signed for the application, so it gives one review per application, like the link
  on the status page.
- ``booking.confirmed`` (reservations, inside the booking's transaction): the confirmation mail
  gets the resource's review link, once per booking, when the resource has a review point.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from madoguchi.core import events
from madoguchi.feedback import links, selectors, services
from madoguchi.review.notices import NoticeLink

CASE_DECIDING = "case.deciding"
BOOKING_CONFIRMED = "booking.confirmed"


def on_case_deciding(*, case: Any, notice_links: list[NoticeLink] | None = None, **_kwargs: Any) -> None:
    if notice_links is None or case.application_id is None or case.procedure_id is None:
        return  # an internal proposal (起案) is not reviewed
    point = services.review_point_for_procedure(procedure=case.procedure)
    if not point.is_active:
        return
    path = links.application_review_path(procedure_id=case.procedure_id, application_id=case.application_id)
    notice_links.append(
        NoticeLink(
            key="review",
            caption=_(
                "手続のしやすさについて、アンケートにご協力ください（1分ほど、お名前などは伺いません）。"
            ),
            url=links.absolute(path),
        )
    )


def on_booking_confirmed(
    *, booking: Any, mail_links: list[tuple[str, str]] | None = None, **_kwargs: Any
) -> None:
    if mail_links is None:
        return
    resource = booking.resource
    ref = links.resource_ref(resource.pk)
    if selectors.point_by_ref(organization_id=resource.organization_id, external_ref=ref) is None:
        return
    path = links.booking_review_path(
        organization_id=resource.organization_id, resource_id=resource.pk, booking_id=booking.pk
    )
    mail_links.append((_("ご利用の後に、1分ほどのアンケートにご協力ください:"), links.absolute(path)))


def register() -> None:
    events.subscribe(CASE_DECIDING, on_case_deciding)
    events.subscribe(BOOKING_CONFIRMED, on_booking_confirmed)
