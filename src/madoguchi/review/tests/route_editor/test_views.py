"""Route editor pages with the Django test client: list, create, edit, make default, 404s."""

import re

import pytest

from madoguchi.accounts.constants import Role
from madoguchi.core.testing import make_organization, make_staff
from madoguchi.review.constants import StepKind, StepMode
from madoguchi.review.models import Route
from madoguchi.review.route_editor import services
from madoguchi.review.testing import make_application

pytestmark = pytest.mark.django_db


def form_data(office, **overrides):
    data = {
        "target": f"procedure:{office.procedure_a.pk}",
        "name": "保険課の経路",
        "make_default": "1",
        "step_count": "2",
        "s0-name": "審査",
        "s0-kind": StepKind.REVIEW,
        "s0-mode": StepMode.ALL,
        "s0-required_count": "1",
        "s0-slot_count": "1",
        "s0-0-department": str(office.dept_a.pk),
        "s0-0-actor": "role:reviewer",
        "s1-name": "課長決裁",
        "s1-kind": StepKind.DECISION,
        "s1-mode": StepMode.ALL,
        "s1-required_count": "1",
        "s1-slot_count": "1",
        "s1-0-department": str(office.dept_a.pk),
        "s1-0-actor": "role:approver",
        "op": "save",
    }
    data.update(overrides)
    return data


def existing_route(office, admin, name="保険課の経路"):
    data = form_data(office, name=name)
    steps = [
        {
            "name": data[f"s{i}-name"],
            "kind": data[f"s{i}-kind"],
            "mode": data[f"s{i}-mode"],
            "required_count": "1",
            "slots": [{"department": data[f"s{i}-0-department"], "actor": data[f"s{i}-0-actor"]}],
        }
        for i in range(2)
    ]
    return services.route_define(user=admin, target=data["target"], name=name, steps=steps, make_default=True)


def test_list_shows_each_procedure_with_its_routes_steps_and_who_acts(client, office, admin):
    existing_route(office, admin)
    client.force_login(admin)

    response = client.get("/staff/routes/")

    html = response.content.decode()
    assert response.status_code == 200
    assert (
        office.procedure_a.title in html and office.procedure_b.title in html and "起案（電子決裁）" in html
    )
    assert "保険課の経路" in html and "課長決裁" in html and "既定の経路" in html
    assert f"{office.dept_a.name}・審査担当" in html and f"{office.dept_a.name}・決裁者" in html
    assert 'aria-current="page">審査経路の設定' in html


def test_the_navigation_link_is_shown_to_admins_only(client, office, admin):
    client.force_login(office.reviewer_a)
    assert "/staff/routes/" not in client.get("/staff/queue/mine/").content.decode()
    client.force_login(admin)
    assert client.get("/staff/queue/mine/").content.decode().count('href="/staff/routes/"') == 1


@pytest.mark.parametrize("path", ["/staff/routes/", "/staff/routes/new/", "/staff/routes/{pk}/"])
def test_reviewers_and_other_organizations_get_404(client, office, admin, path):
    route = existing_route(office, admin)
    stranger = make_staff(make_organization(), Role.ADMIN, None)
    for user in (office.reviewer_a, office.approver_a, stranger):
        if user is stranger and "{pk}" not in path:
            continue  # an admin elsewhere has its own list and form
        client.force_login(user)
        assert client.get(path.format(pk=route.pk)).status_code == 404
    client.force_login(office.reviewer_a)
    assert client.post(f"/staff/routes/{route.pk}/default/").status_code == 404


def test_anonymous_visitors_are_sent_to_the_staff_login(client):
    response = client.get("/staff/routes/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")


def test_new_form_starts_with_review_then_decision_for_the_chosen_procedure(client, office, admin):
    client.force_login(admin)
    html = client.get(f"/staff/routes/new/?for=procedure:{office.procedure_a.pk}").content.decode()
    assert f'<option value="procedure:{office.procedure_a.pk}" selected>' in html
    assert 'name="step_count" value="2"' in html
    assert f'<option value="user:{office.reviewer_a.pk}"' in html  # staff can be named in a slot


def test_create_with_errors_keeps_what_was_typed_and_explains_next_to_the_field(client, office, admin):
    client.force_login(admin)
    data = form_data(
        office,
        name="打ち間違いのある経路",
        **{"s0-mode": StepMode.N_OF_M, "s0-required_count": "5", "s1-kind": "review"},
    )

    response = client.post("/staff/routes/new/", data)

    html = response.content.decode()
    assert response.status_code == 422
    assert not Route.objects.exists()
    assert 'value="打ち間違いのある経路"' in html and 'value="5"' in html
    assert 'class="error-summary"' in html
    assert 'href="#s0-required_count"' in html and 'href="#s1-kind"' in html
    assert 'id="s0-required_count-error"' in html and 'aria-describedby="s0-required_count-error"' in html
    assert "最後の段階は決裁にしてください。" in html
    assert re.search(r'<option value="n_of_m" selected>', html)


def test_create_valid_route_redirects_to_the_list(client, office, admin):
    client.force_login(admin)

    response = client.post("/staff/routes/new/", form_data(office))

    route = Route.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/staff/routes/#route-{route.pk}"
    assert route.is_default and route.steps.count() == 2
    assert "経路「保険課の経路」を作成しました。" in client.get(response["Location"]).content.decode()


def test_add_move_and_remove_buttons_rearrange_the_form_without_saving(client, office, admin):
    client.force_login(admin)

    added = client.post("/staff/routes/new/", form_data(office, op="add_step")).content.decode()
    assert 'name="step_count" value="3"' in added
    assert 'value="審査"' in added and 'value="課長決裁"' in added
    assert added.index('id="s2-name"') > added.index('value="審査"')  # the new step goes before 決裁

    moved = client.post("/staff/routes/new/", form_data(office, op="down:0")).content.decode()
    assert moved.index('value="課長決裁"') < moved.index('value="審査"')

    slot = client.post("/staff/routes/new/", form_data(office, op="add_slot:0")).content.decode()
    assert 'name="s0-slot_count" value="2"' in slot

    removed = client.post("/staff/routes/new/", form_data(office, op="remove_step:0")).content.decode()
    assert 'name="step_count" value="1"' in removed and 'value="審査"' not in removed
    assert not Route.objects.exists()


def test_edit_page_says_a_route_in_use_is_saved_as_a_new_route(client, office, admin):
    route = existing_route(office, admin)
    client.force_login(admin)
    assert "そのまま変わります" in client.get(f"/staff/routes/{route.pk}/").content.decode()

    make_application(office.procedure_a)
    html = client.get(f"/staff/routes/{route.pk}/").content.decode()
    assert "新しい経路として保存されます" in html and "処理中 1 件" in html

    response = client.post(
        f"/staff/routes/{route.pk}/", form_data(office, name="改訂版", **{"s0-name": "一次審査"})
    )

    new = Route.objects.get(name="改訂版")
    assert response.status_code == 302 and response["Location"] == f"/staff/routes/#route-{new.pk}"
    listing = client.get(response["Location"]).content.decode()
    assert "処理中の案件（1件）は元の経路のまま進みます" in listing
    assert "新しい経路に置き換え済み" in listing


def test_make_default_button(client, office, admin):
    first = existing_route(office, admin, name="一")
    existing_route(office, admin, name="二")
    client.force_login(admin)
    assert client.get(f"/staff/routes/{first.pk}/default/").status_code == 405

    response = client.post(f"/staff/routes/{first.pk}/default/")

    first.refresh_from_db()
    assert response.status_code == 302 and first.is_default


def test_new_form_ticks_separation_of_duties_for_the_decision_and_offers_a_step_deadline(
    client, office, admin
):
    client.force_login(admin)
    html = client.get(f"/staff/routes/new/?for=procedure:{office.procedure_a.pk}").content.decode()

    assert re.search(r'id="s0-distinct_actor" name="s0-distinct_actor" value="1" aria', html)  # not ticked
    assert re.search(r'id="s1-distinct_actor" name="s1-distinct_actor" value="1" checked', html)
    assert 'name="s0-deadline_days"' in html and "期限の1開庁日前に担当者へお知らせします" in html
    assert 'id="route-warnings"' not in html

    proposals = client.get(f"/staff/routes/new/?for=proposals:{office.org.pk}").content.decode()
    assert re.search(r'id="s0-distinct_actor" name="s0-distinct_actor" value="1" checked', proposals)


def test_create_saves_separation_and_deadline_and_lists_them(client, office, admin):
    client.force_login(admin)
    data = form_data(office, **{"s0-deadline_days": "3", "s1-distinct_actor": "1"})

    response = client.post("/staff/routes/new/", data)

    route = Route.objects.get()
    first, last = route.steps.order_by("position")
    assert response.status_code == 302
    assert (first.deadline_days, first.distinct_actor, last.distinct_actor) == (3, False, True)
    listing = client.get(response["Location"]).content.decode()
    assert "期限 3開庁日" in listing and "前の段階と別の人" in listing


def test_a_wrong_step_deadline_answers_422_next_to_the_field_and_keeps_it(client, office, admin):
    client.force_login(admin)

    response = client.post("/staff/routes/new/", form_data(office, **{"s0-deadline_days": "みっか"}))

    html = response.content.decode()
    assert response.status_code == 422 and not Route.objects.exists()
    assert 'href="#s0-deadline_days"' in html and 'id="s0-deadline_days-error"' in html
    assert 'value="みっか"' in html


def test_the_editor_warns_before_and_after_saving_a_decision_it_will_not_decide_as_chosen(
    client, office, admin
):
    client.force_login(admin)
    data = form_data(
        office,
        **{
            "s1-mode": StepMode.ANY,
            "s1-slot_count": "2",
            "s1-1-department": str(office.dept_b.pk),
            "s1-1-actor": "role:approver",
        },
    )

    rearranged = client.post("/staff/routes/new/", {**data, "op": "add_slot:0"}).content.decode()
    assert 'id="route-warnings"' in rearranged and 'href="#s1-mode"' in rearranged
    assert 'id="s1-mode-warning"' in rearranged and 'href="#s1-distinct_actor"' in rearranged

    response = client.post("/staff/routes/new/", data)

    assert response.status_code == 302 and Route.objects.count() == 1
    listing = client.get(response["Location"]).content.decode()
    assert "notice-warning" in listing and "1人でも不承認にすると" in listing
    route = Route.objects.get()
    edit = client.get(f"/staff/routes/{route.pk}/").content.decode()
    assert 'id="route-warnings"' in edit and "職務の分離がありません" in edit
