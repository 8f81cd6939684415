from datetime import date, timedelta

import pytest
from django.utils import timezone

from madoguchi.core.errors import FieldErrors
from madoguchi.core.testing import make_organization, make_staff, make_user
from madoguchi.notifications.constants import CampaignStatus
from madoguchi.notifications.models import Notification, PushCampaign
from madoguchi.notifications.services import (
    member_register,
    push_campaign_create,
    push_campaign_pause,
    push_campaign_start,
    push_campaign_step,
    push_recipient_count,
)

pytestmark = pytest.mark.django_db

AGE_40_74 = {"kind": "members_by_age", "min_age": "40", "max_age": "74"}


def _born(years_ago: int, days: int = 0) -> date:
    today = timezone.localdate()
    return today.replace(year=today.year - years_ago) + timedelta(days=days)


@pytest.fixture
def members():
    organization = make_organization()
    people = {}
    for n, birth in enumerate(
        [_born(40), _born(40, days=1), _born(74), _born(75), _born(75, days=1), _born(55), None], start=1
    ):
        user = make_user()
        member_register(organization=organization, number=str(n), user=user, birth_date=birth)
        people[n] = user
    return organization, people


def test_recipient_count_preview_counts_members_aged_40_to_74(members):
    organization, _people = members
    # 40 today, 40 tomorrow (still 39), 74, 75, 74 until tomorrow, 55, no birth date
    assert push_recipient_count(organization=organization, segment=AGE_40_74) == 4


def test_a_bad_segment_is_refused_with_messages_on_its_fields(members):
    organization, _people = members
    with pytest.raises(FieldErrors) as exc:
        push_campaign_create(
            organization=organization,
            actor=make_staff(organization),
            title="",
            body="本文",
            segment={"kind": "members_by_age", "min_age": "80", "max_age": "四十"},
            rate_per_minute="0",
        )
    assert set(exc.value.errors) == {"title", "max_age", "rate_per_minute"}


def test_sending_is_throttled_resumable_and_never_sends_twice(members, settings):
    settings.NOTIFICATION_PUSH_STEP_SECONDS = 10
    organization, _people = members
    staff = make_staff(organization)
    campaign = push_campaign_create(
        organization=organization,
        actor=staff,
        title="特定健診のご案内",
        body="今年度の特定健診の受診券をお送りします。",
        segment=AGE_40_74,
        rate_per_minute=12,  # 2 people per 10-second step
    )
    campaign = push_campaign_start(campaign=campaign, actor=staff)  # on_commit not run: no worker yet
    assert campaign.recipient_total == 4
    assert push_campaign_step(campaign_id=campaign.pk) == 10
    assert Notification.objects.filter(channel="mailbox").count() == 2

    push_campaign_pause(campaign=campaign, actor=staff)
    assert push_campaign_step(campaign_id=campaign.pk) is None  # paused: nothing happens
    assert Notification.objects.filter(channel="mailbox").count() == 2

    push_campaign_start(campaign=campaign, actor=staff)
    # a step whose cursor update was lost is repeated: the dedupe key keeps it harmless
    PushCampaign.objects.filter(pk=campaign.pk).update(cursor=0)
    while push_campaign_step(campaign_id=campaign.pk) is not None:
        pass
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DONE
    assert Notification.objects.filter(channel="mailbox").count() == 4
    assert (
        Notification.objects.filter(channel="mailbox", event="push.information")
        .values("recipient")
        .distinct()
        .count()
        == 4
    )


def test_a_stalled_campaign_is_resumed_by_the_sweep(members, django_capture_on_commit_callbacks):
    from madoguchi.notifications.services import notifications_sweep

    organization, _people = members
    staff = make_staff(organization)
    campaign = push_campaign_create(
        organization=organization, actor=staff, title="お知らせ", body="本文", segment={"kind": "all_members"}
    )
    push_campaign_start(campaign=campaign, actor=staff)  # the worker never got the message
    result = notifications_sweep(now=timezone.now() + timedelta(minutes=10))
    assert result["campaigns_resumed"] == 1
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DONE and campaign.processed == 7
