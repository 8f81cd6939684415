import pytest

from madoguchi.demo.loader import load_demo
from madoguchi.ledger.constants import PairStatus, UploadStatus
from madoguchi.ledger.demo import EVENT_NAME, load_ledger_demo
from madoguchi.ledger.models import DisasterEvent, MatchPair, Record, Upload

pytestmark = pytest.mark.django_db


def test_demo_event_has_three_wards_an_error_fixed_evacuees_and_uncertain_matches(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    load_demo()
    lines = list(load_ledger_demo())
    assert "to review" in lines[0]
    event = DisasterEvent.objects.get(name=EVENT_NAME)
    assert event.participants.count() == 3
    statuses = list(
        Upload.objects.filter(event=event, organization__slug="shinjuku")
        .order_by("id")
        .values_list("status", flat=True)
    )
    assert statuses[:2] == [UploadStatus.HAS_ERRORS, UploadStatus.APPLIED]
    from madoguchi.demo.samples import load_sample_applications
    from madoguchi.ledger.services.feeds import feeds_sync
    from madoguchi.ledger.services.matching import matching_process, matching_start

    load_sample_applications()
    feeds_sync(event=event)
    assert Upload.objects.filter(
        event=event, source="application", status=UploadStatus.APPLIED, added=1
    ).exists()
    pref = event.prefecture.ledger_roles.get().user
    matching_process(job_id=matching_start(user=pref, event_id=event.pk).pk)
    assert MatchPair.objects.filter(event=event, status=PairStatus.AUTO).count() >= 15
    assert MatchPair.objects.filter(event=event, status=PairStatus.PENDING).count() >= 3
    hanako = Record.objects.filter(event=event, source="application").get()
    assert hanako.person_id and Record.objects.filter(person_id=hanako.person_id).count() >= 2
    assert Record.objects.filter(event=event, evacuated_to__slug="nakano").count() >= 8
    assert list(load_ledger_demo()) == [f"event {EVENT_NAME} already loaded"]
