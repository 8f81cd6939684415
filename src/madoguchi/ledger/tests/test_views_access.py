import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from madoguchi.audit.models import AuditEntry
from madoguchi.core.testing import (
    ledger_csv,
    ledger_row,
    make_ledger_user,
    make_mfa_staff,
    make_organization,
    make_staff,
)

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_the_staff_sign_in(client, world):
    response = client.get(f"/ledger/events/{world['event'].pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")


def test_staff_without_a_ledger_role_get_404_everywhere(client, world):
    stranger = make_mfa_staff(world["municipalities"][0])
    client.force_login(stranger)
    for path in (
        "/ledger/",
        f"/ledger/events/{world['event'].pk}/",
        f"/ledger/events/{world['event'].pk}/uploads/new/",
    ):
        assert client.get(path).status_code == 404, path


def test_a_session_without_the_staff_door_is_sent_to_the_staff_sign_in(client, world):
    from madoguchi.accounts.testing import mark_session

    client.force_login(world["users"][0])
    mark_session(client, level="applicant", method="email_link")
    response = client.get(f"/ledger/events/{world['event'].pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")


def test_a_municipality_outside_the_event_gets_404(client, world):
    outsider = make_ledger_user(make_organization(name="無関係村"), "municipality", event=world["event"])
    client.force_login(outsider)
    assert client.get(f"/ledger/events/{world['event'].pk}/").status_code == 404


def test_an_upload_of_another_municipality_is_404(client, world, send):
    upload = send(world["users"][0], world["event"], ledger_csv([ledger_row("A1")]))
    base = f"/ledger/events/{world['event'].pk}"
    client.force_login(world["users"][1])
    assert client.get(f"{base}/uploads/{upload.pk}/").status_code == 404
    assert client.get(f"{base}/jobs/{upload.job_id}/").status_code == 404
    assert client.get(f"{base}/uploads/{upload.pk}/errors.csv").status_code == 404
    client.force_login(world["users"][0])
    assert client.get(f"{base}/uploads/{upload.pk}/?show=added").status_code == 200
    client.force_login(world["pref_user"])
    assert client.get(f"{base}/uploads/{upload.pk}/?show=added").status_code == 200


def test_upload_page_flow_with_errors_then_fixed(client, world, django_capture_on_commit_callbacks):
    event = world["event"]
    client.force_login(world["users"][0])
    base = f"/ledger/events/{event.pk}"
    assert client.get(f"{base}/uploads/new/").status_code == 200
    bad = ledger_csv([ledger_row("A1", birth_date="19800231")])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{base}/uploads/new/", {"file": SimpleUploadedFile("d.csv", bad)})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "2 行目" in html and "生年月日" in html and "19800231" in html
    assert AuditEntry.objects.filter(action="ledger.viewed", after__what="upload_errors").exists()
    errors_csv = client.get(response["Location"] + "errors.csv")
    assert b"".join(errors_csv.streaming_content).startswith("\ufeff".encode())
    assert AuditEntry.objects.filter(action="ledger.exported").exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{base}/uploads/new/", {"file": SimpleUploadedFile("d.csv", ledger_csv([ledger_row("A1")]))}
        )
    assert "追加 1 件" in client.get(response["Location"]).content.decode()


def test_upload_without_a_file_keeps_the_page_with_a_message(client, world):
    client.force_login(world["users"][0])
    response = client.post(f"/ledger/events/{world['event'].pk}/uploads/new/", {})
    assert response.status_code == 422 and "ファイルを選んでください" in response.content.decode()


def test_job_page_and_status_json(client, world, send):
    upload = send(world["users"][0], world["event"], ledger_csv([ledger_row("A1")]))
    client.force_login(world["users"][0])
    base = f"/ledger/events/{world['event'].pk}/jobs/{upload.job_id}/"
    assert client.get(base).status_code == 200
    data = client.get(base + "status.json").json()
    assert data["status"] == "done" and data["done"] == 1 and data["running"] is False


def test_api_upload_and_status(client, world, django_capture_on_commit_callbacks):
    base = f"/api/v1/ledger/events/{world['event'].pk}/uploads"
    client.force_login(world["users"][0])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            base, {"file": SimpleUploadedFile("d.csv", ledger_csv([ledger_row("A1", kana="Kakuu")]))}
        )
    assert response.status_code == 202, response.content
    upload_id = response.json()["id"]
    status = client.get(f"{base}/{upload_id}").json()
    assert status["status"] == "has_errors" and status["errors"][0]["column"] == "フリガナ"
    assert client.post(base, {}).status_code == 422
    client.force_login(world["users"][1])
    assert client.get(f"{base}/{upload_id}").status_code == 404
    client.force_login(make_staff(world["municipalities"][0]))
    assert client.get(f"{base}/{upload_id}").status_code == 404
    from madoguchi.accounts.testing import mark_session

    client.force_login(world["users"][0])
    mark_session(client, level="applicant", method="email_link")
    assert client.get(f"{base}/{upload_id}").status_code == 403


def test_prefecture_opens_an_event_with_errors_kept(client, world):
    client.force_login(world["pref_user"])
    response = client.post("/ledger/events/new/", {"name": "", "occurred_on": "令和8年13月1日"})
    html = response.content.decode()
    assert (
        response.status_code == 422
        and "発生日を日付として読み取れません" in html
        and "令和8年13月1日" in html
    )
    ids = [str(m.pk) for m in world["municipalities"]]
    response = client.post(
        "/ledger/events/new/", {"name": "架空台風", "occurred_on": "令和8年9月1日", "municipalities": ids}
    )
    assert response.status_code == 302
    client.force_login(world["users"][0])
    assert client.get("/ledger/events/new/").status_code == 404


def test_the_staff_menu_leads_ledger_roles_to_the_ledger(client, world):
    client.force_login(world["users"][0])
    assert 'href="/ledger/"' in client.get("/staff/queue/mine/").content.decode()
    client.force_login(make_mfa_staff(world["municipalities"][0]))
    assert 'href="/ledger/"' not in client.get("/staff/queue/mine/").content.decode()
