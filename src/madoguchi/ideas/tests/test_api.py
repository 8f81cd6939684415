import pytest

from madoguchi.core.testing import make_organization, make_staff

pytestmark = pytest.mark.django_db


def test_api_create_like_and_list_proposals(client, world):
    client.force_login(world.author)
    base = f"/api/v1/ideas/{world.org.slug}/teian/proposals"
    created = client.post(
        base, {"title": "API提案", "body": "本文", "publish": True}, content_type="application/json"
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    client.force_login(world.peer)
    assert client.post(f"{base}/{pk}/like").json() == {"likes": 1}
    assert client.post(f"{base}/{pk}/like").json() == {"likes": 1}
    assert [p["title"] for p in client.get(base).json()] == ["API提案"]


def test_api_errors_per_field_and_404_for_other_organizations(client, world):
    client.force_login(world.author)
    base = f"/api/v1/ideas/{world.org.slug}/teian/proposals"
    response = client.post(base, {"title": "", "body": ""}, content_type="application/json")
    assert response.status_code == 422 and set(response.json()["error"]["fields"]) == {"title", "body"}
    client.force_login(make_staff(make_organization()))
    assert client.get(base).status_code == 404


def test_api_questions_and_official_answer(client, world):
    client.force_login(world.author)
    base = f"/api/v1/ideas/{world.org.slug}/qa/questions"
    created = client.post(
        base, {"title": "質問です", "department_id": world.jinzai.pk}, content_type="application/json"
    ).json()
    client.force_login(world.answerer)
    answer = client.post(
        f"{base}/{created['id']}/answers", {"body": "公式です"}, content_type="application/json"
    )
    assert answer.status_code == 201 and answer.json()["official"] is True
    assert client.get(base + "?unanswered=true").json() == []


def _proposal(client, world):
    client.force_login(world.author)
    base = f"/api/v1/ideas/{world.org.slug}/teian/proposals"
    pk = client.post(
        base, {"title": "API提案", "body": "本文", "publish": True}, content_type="application/json"
    ).json()["id"]
    return base, pk


def test_api_comments_thread_one_level_with_errors_per_field(client, world):
    base, pk = _proposal(client, world)
    client.force_login(world.peer)
    first = client.post(f"{base}/{pk}/comments", {"body": "賛成です"}, content_type="application/json")
    assert first.status_code == 201 and first.json()["parent_id"] is None
    reply = client.post(
        f"{base}/{pk}/comments",
        {"body": "同じく", "parent_id": first.json()["id"]},
        content_type="application/json",
    )
    assert reply.status_code == 201 and reply.json()["parent_id"] == first.json()["id"]
    empty = client.post(
        f"{base}/{pk}/comments", {"body": " ", "parent_id": 999999}, content_type="application/json"
    )
    assert empty.status_code == 422 and set(empty.json()["error"]["fields"]) == {"parent_id"}
    blank = client.post(f"{base}/{pk}/comments", {"body": " "}, content_type="application/json")
    assert blank.status_code == 422 and set(blank.json()["error"]["fields"]) == {"body"}
    listed = client.get(f"{base}/{pk}/comments").json()
    assert [c["body"] for c in listed] == ["賛成です", "同じく"]


def test_api_follow_and_unfollow(client, world):
    base, pk = _proposal(client, world)
    client.force_login(world.peer)
    assert client.put(f"{base}/{pk}/follow").json() == {"following": True}
    assert client.delete(f"{base}/{pk}/follow").json() == {"following": False}
    client.logout()
    assert client.put(f"{base}/{pk}/follow").status_code == 401  # signed out: the API door refuses


def test_api_reports_hide_at_the_threshold_and_moderators_show_and_mute(client, world):
    from madoguchi.accounts.constants import Role

    base, pk = _proposal(client, world)
    reports = f"/api/v1/ideas/{world.org.slug}/teian/reports"
    bad = client.post(reports, {"kind": "nope", "id": pk, "reason": "spam"}, content_type="application/json")
    assert bad.status_code == 422 and set(bad.json()["error"]["fields"]) == {"kind"}
    no_reason = client.post(
        reports, {"kind": "proposal", "id": pk, "reason": ""}, content_type="application/json"
    )
    assert no_reason.status_code == 422 and set(no_reason.json()["error"]["fields"]) == {"reason"}
    hidden = []
    for _ in range(3):
        client.force_login(make_staff(world.org, Role.REVIEWER))
        answer = client.post(
            reports, {"kind": "proposal", "id": pk, "reason": "spam"}, content_type="application/json"
        )
        assert answer.status_code == 201
        hidden.append(answer.json()["hidden"])
    assert hidden == [False, False, True]

    moderation = f"/api/v1/ideas/{world.org.slug}/teian/moderation"
    client.force_login(world.peer)
    refused = client.post(
        f"{moderation}/hidden",
        {"kind": "proposal", "id": pk, "hidden": False},
        content_type="application/json",
    )
    assert refused.status_code == 404  # hidden: a peer does not see it any more
    client.force_login(world.moderator)
    no_reason = client.post(
        f"{moderation}/hidden",
        {"kind": "proposal", "id": pk, "hidden": True, "reason": ""},
        content_type="application/json",
    )
    assert no_reason.status_code == 422 and set(no_reason.json()["error"]["fields"]) == {"reason"}
    shown = client.post(
        f"{moderation}/hidden",
        {"kind": "proposal", "id": pk, "hidden": False},
        content_type="application/json",
    )
    assert shown.status_code == 200 and shown.json() == {"hidden": False}
    mute_without_reason = client.post(
        f"{moderation}/mutes", {"user_id": world.peer.pk}, content_type="application/json"
    )
    assert mute_without_reason.status_code == 422 and set(mute_without_reason.json()["error"]["fields"]) == {
        "reason"
    }
    unknown = client.post(
        f"{moderation}/mutes", {"user_id": 999999, "reason": "荒らし"}, content_type="application/json"
    )
    assert unknown.status_code == 422 and set(unknown.json()["error"]["fields"]) == {"user_id"}
    muted = client.post(
        f"{moderation}/mutes", {"user_id": world.peer.pk, "reason": "荒らし"}, content_type="application/json"
    )
    assert muted.json() == {"muted": True}
    client.force_login(world.peer)
    assert (
        client.post(
            f"{base}/{pk}/comments", {"body": "まだ書く"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"{moderation}/mutes",
            {"user_id": world.author.pk, "reason": "x"},
            content_type="application/json",
        ).status_code
        == 403
    )


def test_api_the_author_attaches_and_removes_a_file_others_get_404(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    base, pk = _proposal(client, world)
    url = f"{base}/{pk}/attachments"
    added = client.post(url, {"file": SimpleUploadedFile("資料.pdf", pdf, content_type="application/pdf")})
    assert added.status_code == 201
    (attachment,) = added.json()["attachments"]
    assert attachment["name"] == "資料.pdf" and attachment["content_type"] == "application/pdf"
    download = client.get(attachment["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == pdf

    html = SimpleUploadedFile(
        "x.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf"
    )
    refused = client.post(url, {"file": html})
    assert refused.status_code == 422 and list(refused.json()["error"]["fields"]) == ["file"]
    assert client.post(url, {}, content_type="application/json").status_code == 415
    assert client.post(url, {"other": "x"}).status_code == 422

    client.force_login(world.peer)  # a reader, not the author
    other = SimpleUploadedFile("資料.pdf", pdf, content_type="application/pdf")
    assert client.post(url, {"file": other}).status_code == 404
    attachment_id = attachment["url"].rstrip("/").split("/")[-1]
    assert client.delete(f"{url}/{attachment_id}").status_code == 404

    client.force_login(world.author)
    assert client.delete(f"{url}/not-a-uuid").status_code == 404
    removed = client.delete(f"{url}/{attachment_id}")
    assert removed.status_code == 200 and removed.json()["attachments"] == []
