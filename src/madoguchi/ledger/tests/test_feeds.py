import json
from pathlib import Path

import pytest

from madoguchi.applications import services as applications
from madoguchi.core.errors import DomainError
from madoguchi.core.testing import make_procedure, make_user
from madoguchi.ledger.models import Record
from madoguchi.ledger.protect import unseal
from madoguchi.ledger.services.feeds import feed_link, feeds_sync_request

pytestmark = pytest.mark.django_db

RISAI = Path(__file__).resolve().parents[2] / "demo" / "data" / "procedures" / "shinjuku-risai-shomei.json"


def submit(procedure, applicant, key: str, **changes):
    data = {
        "victim": {"family": "架空", "given": "花子", "family_kana": "カクウ", "given_kana": "ハナコ"},
        "birth_date": "1985-04-01",
        "sex": "female",
        "address": {
            "postal_code": "160-0023",
            "prefecture": "東京都",
            "city": "架空市",
            "street": "本町1-2-3",
            "building": "",
        },
        "phone": "090-1234-5678",
        "damage_note": "壁にひび",
        "current_place": "例示町立体育館（例示町中央1-1）",
        "needs_care": "yes",
        "agreement": True,
        **changes,
    }
    draft = applications.draft_create(applicant=applicant, procedure=procedure, data={})
    draft = applications.draft_update(draft=draft, data=data)
    return applications.application_submit(draft=draft, actor=applicant, idempotency_key=key)


def test_certificate_applications_become_records_of_the_procedures_municipality(world):
    kakuu, reiji = world["municipalities"]
    definition = json.loads(RISAI.read_text(encoding="utf-8"))["definition"]
    procedure = make_procedure(kakuu, definition, slug="risai-shomei")
    feed_link(event=world["event"], procedure=procedure)
    applicant = make_user()
    application = submit(procedure, applicant, "k1")
    uploads = feeds_sync_request(user=world["users"][0], event_id=world["event"].pk)
    assert [u.added for u in uploads] == [1]
    record = Record.objects.get(source="application")
    data = unseal(record.payload, event_id=world["event"].pk)
    assert record.municipality == kakuu and record.source_key == application.reference_number
    assert data["kana"] == "カクウ ハナコ" and data["needs_care"] is True and data["sex"] == "female"
    assert record.evacuated_to == reiji
    # a second sync changes nothing; a withdrawn application leaves the ledger
    assert [
        u.added + u.changed for u in feeds_sync_request(user=world["pref_user"], event_id=world["event"].pk)
    ] == [0]
    applications.application_withdraw(application=application, actor=applicant)
    assert [u.removed for u in feeds_sync_request(user=world["pref_user"], event_id=world["event"].pk)] == [1]
    # 例示町 has no feed of its own: nothing to take in
    with pytest.raises(DomainError):
        feeds_sync_request(user=world["users"][1], event_id=world["event"].pk)
