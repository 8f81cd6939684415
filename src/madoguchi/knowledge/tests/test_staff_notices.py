"""Staff pages for notices (お知らせ): list, write, edit, publish / unpublish, delete."""

from __future__ import annotations

import pytest

from madoguchi.accounts.constants import Role
from madoguchi.audit.models import AuditEntry
from madoguchi.core.errors import PermissionDeniedError
from madoguchi.core.testing import make_organization, make_staff, make_user
from madoguchi.knowledge import selectors, services
from madoguchi.knowledge.models import Notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(org):
    return make_staff(org, role=Role.OWNER)


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def found(query: str) -> list[str]:
    return [r.title for r in selectors.site_search(query=query, types=["notice"]).results]


def actions(notice: Notice) -> list[str]:
    return list(
        AuditEntry.objects.filter(target_type="knowledge.notice", target_id=str(notice.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def make_notice(org, owner, title="年末年始の窓口の休み", body="12月29日から1月3日まで休みます。", **extra):
    return services.notice_create(organization=org, actor=owner, title=title, body=body, **extra)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/help/staff/notices/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")


def test_members_without_the_owner_or_admin_role_are_refused(client, staff):
    client.force_login(staff)  # a reviewer
    assert client.get("/help/staff/notices/").status_code == 403
    assert client.get("/help/staff/notices/new").status_code == 403
    assert "/help/staff/notices/" not in client.get("/help/staff/").content.decode()


def test_owner_publishes_a_new_notice_and_search_finds_it(signed_in, org):
    response = signed_in.post(
        "/help/staff/notices/new",
        {
            "organization": "city",
            "title": "年末年始の窓口の休み",
            "body": "12月29日から1月3日まで休みます。",
            "visibility": "public",
            "action": "publish",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/help/staff/notices/"
    notice = Notice.objects.get()
    assert notice.is_published and notice.organization == org
    assert found("年末年始 休み") == ["年末年始の窓口の休み"]
    assert signed_in.get(f"/help/notices/{notice.pk}/").status_code == 200
    assert actions(notice) == ["notice.created"]
    listing = signed_in.get("/help/staff/notices/").content.decode()
    assert "年末年始の窓口の休み" in listing and "公開中" in listing and "公開をやめる" in listing


def test_a_draft_is_neither_shown_nor_found_until_published(client, signed_in, owner):
    signed_in.post(
        "/help/staff/notices/new",
        {
            "organization": "city",
            "title": "断水のお知らせ",
            "body": "工事のため断水します。",
            "visibility": "public",
        },
    )
    notice = Notice.objects.get()
    assert not notice.is_published
    assert found("断水") == []
    assert "公開していません" in signed_in.get("/help/staff/notices/").content.decode()

    response = signed_in.post(f"/help/staff/notices/{notice.pk}/publish", {"action": "publish"})
    assert response.status_code == 302
    assert found("断水") == ["断水のお知らせ"]
    client.logout()
    assert client.get(f"/help/notices/{notice.pk}/").status_code == 200
    assert actions(notice) == ["notice.created", "notice.published"]


def test_unpublishing_hides_the_notice_from_its_page_and_from_search(client, signed_in, org, owner):
    notice = make_notice(org, owner)
    assert found("年末年始") == ["年末年始の窓口の休み"]
    signed_in.post(f"/help/staff/notices/{notice.pk}/publish", {"action": "unpublish"})
    notice.refresh_from_db()
    assert notice.published_at is None
    assert found("年末年始") == []
    client.logout()
    assert client.get(f"/help/notices/{notice.pk}/").status_code == 404
    assert actions(notice) == ["notice.created", "notice.unpublished"]


def test_editing_a_published_notice_is_found_under_its_new_words_at_once(signed_in, org, owner):
    notice = make_notice(org, owner)
    form = signed_in.get(f"/help/staff/notices/{notice.pk}/edit").content.decode()
    assert "年末年始の窓口の休み" in form and "12月29日から1月3日まで休みます。" in form
    response = signed_in.post(
        f"/help/staff/notices/{notice.pk}/edit",
        {
            "organization": "city",
            "title": "窓口の臨時休業",
            "body": "システム更新のため休業します。",
            "visibility": "public",
        },
    )
    assert response.status_code == 302
    assert found("臨時休業") == ["窓口の臨時休業"]
    assert found("年末年始") == []
    entry = AuditEntry.objects.get(action="notice.updated")
    assert entry.before["title"] == "年末年始の窓口の休み" and entry.after["title"] == "窓口の臨時休業"


def test_form_errors_are_shown_at_the_top_and_next_to_each_field_and_keep_the_typed_text(signed_in):
    response = signed_in.post(
        "/help/staff/notices/new",
        {
            "organization": "city",
            "title": "",
            "body": "本文だけ書きました",
            "visibility": "secret",
            "action": "publish",
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'class="error-summary"' in page and 'href="#id_title"' in page
    assert 'id="id_title_error"' in page and "件名を入力してください。" in page
    assert 'aria-describedby="id_title_helptext id_title_error"' in page
    assert "公開範囲を選んでください。" in page
    assert "本文だけ書きました" in page
    assert Notice.objects.count() == 0


def test_a_title_over_200_characters_is_refused(signed_in):
    response = signed_in.post(
        "/help/staff/notices/new",
        {
            "organization": "city",
            "title": "あ" * 201,
            "body": "本文",
            "visibility": "public",
            "action": "publish",
        },
    )
    assert "件名は200文字以内で入力してください。" in response.content.decode()
    assert Notice.objects.count() == 0


def test_deleting_asks_first_then_removes_the_notice_from_search(signed_in, org, owner):
    notice = make_notice(org, owner)
    confirm = signed_in.get(f"/help/staff/notices/{notice.pk}/delete").content.decode()
    assert "元に戻せません" in confirm and "年末年始の窓口の休み" in confirm
    assert Notice.objects.filter(pk=notice.pk).exists()
    response = signed_in.post(f"/help/staff/notices/{notice.pk}/delete")
    assert response.status_code == 302
    assert not Notice.objects.filter(pk=notice.pk).exists()
    assert found("年末年始") == []
    assert actions(notice) == ["notice.created", "notice.deleted"]


def test_notices_of_another_organization_are_404(client, org, owner):
    notice = make_notice(org, owner)
    client.force_login(make_staff(make_organization(), role=Role.OWNER))
    assert client.get("/help/staff/notices/").status_code == 200
    assert "年末年始の窓口の休み" not in client.get("/help/staff/notices/").content.decode()
    assert client.get(f"/help/staff/notices/{notice.pk}/edit").status_code == 404
    assert client.post(f"/help/staff/notices/{notice.pk}/edit", {"title": "乗っ取り"}).status_code == 404
    assert client.post(f"/help/staff/notices/{notice.pk}/publish", {"action": "unpublish"}).status_code == 404
    assert client.post(f"/help/staff/notices/{notice.pk}/delete").status_code == 404
    notice.refresh_from_db()
    assert notice.title == "年末年始の窓口の休み" and notice.is_published


def test_a_reviewer_of_the_same_organization_gets_404_for_a_notice_when_also_owner_elsewhere(
    client, org, owner
):
    notice = make_notice(org, owner)
    user = make_staff(make_organization(), role=Role.OWNER)
    from madoguchi.accounts.models import Membership

    Membership.objects.create(user=user, organization=org, role=Role.REVIEWER)
    client.force_login(user)
    assert client.get(f"/help/staff/notices/{notice.pk}/edit").status_code == 404


def test_an_admin_may_write_notices_and_sees_the_link_on_the_dashboard(client, org):
    client.force_login(make_staff(org, role=Role.ADMIN))
    assert 'href="/help/staff/notices/"' in client.get("/help/staff/").content.decode()
    assert client.get("/help/staff/notices/new").status_code == 200


def test_services_refuse_people_who_may_not_write_notices(org, owner, staff):
    notice = make_notice(org, owner)
    for actor in (staff, make_user(), "public"):
        with pytest.raises(PermissionDeniedError):
            services.notice_create(organization=org, actor=actor, title="件名", body="本文")
        with pytest.raises(PermissionDeniedError):
            services.notice_unpublish(notice=notice, actor=actor)
        with pytest.raises(PermissionDeniedError):
            services.notice_delete(notice=notice, actor=actor)


def test_saving_without_changes_writes_no_audit_entry(org, owner):
    notice = make_notice(org, owner)
    services.notice_update(notice=notice, actor=owner, title=notice.title, body=notice.body)
    assert actions(notice) == ["notice.created"]
