"""The demo data: loads on an empty database, loads again without change, and is usable.

The demo is loaded once for the whole module (``demo`` below, inside a transaction that is
rolled back at the end); each test runs in a savepoint of it, so what a test changes is undone
and the next test sees the demo as loaded.
"""

from __future__ import annotations

import copy
import json

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.db import transaction

from madoguchi.accounts.constants import Role
from madoguchi.accounts.models import Department, Membership, Organization, User
from madoguchi.audit.services import audit_verify
from madoguchi.demo import loader
from madoguchi.demo.banner import banner_lines
from madoguchi.procedures.conditions import condition_keys
from madoguchi.procedures.constants import VersionStatus
from madoguchi.procedures.definition import check_definition
from madoguchi.procedures.fields import get_field_type
from madoguchi.procedures.models import Procedure, ProcedureVersion
from madoguchi.procedures.validation import iter_fields

pytestmark = pytest.mark.django_db

MODELS = (Organization, Department, User, Membership, Procedure, ProcedureVersion)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo loaded once on the empty test database; the result of that first load."""
    with django_db_blocker.unblock(), transaction.atomic():
        counts_before = _counts()
        result = loader.load_demo()
        yield {"result": result, "counts_before": counts_before}
        transaction.set_rollback(True)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_loading_the_demo_twice_creates_nothing_the_second_time(demo):
    first = demo["result"]
    assert demo["counts_before"] == dict.fromkeys(demo["counts_before"], 0)  # it started empty
    after_first = _counts()
    second = loader.load_demo()

    assert first.created["procedures"] >= 8
    assert second.created == {}
    assert _counts() == after_first
    assert list(second.lines()) == ["demo data loaded (nothing new)."]
    ok, checked, message = audit_verify()
    assert ok, message
    assert checked > 0


def test_demo_has_the_three_organizations_with_their_reference_prefixes(demo):
    orgs = {o.slug: (o.name, o.kind, o.reference_prefix) for o in Organization.objects.all()}
    assert orgs["tokyo"] == ("東京都", "prefecture", "TKY")
    assert orgs["shinjuku"] == ("新宿区", "municipality", "SJK")
    assert orgs["kyosai"] == ("東京都職員共済組合", "association", "KYO")
    for org in Organization.objects.all():
        assert org.departments.count() >= 3


def test_scenario_procedures_are_published_with_several_steps(demo):
    s1 = Procedure.objects.get(organization__slug="kyosai", slug="kogaku-ryoyohi")
    s3 = Procedure.objects.get(organization__slug="tokyo", slug="kenshu-moshikomi")
    s7 = Procedure.objects.get(organization__slug="shinjuku", slug="shogai-fukushi-shitei")
    for procedure in (s1, s3, s7):
        assert procedure.current_version.status == VersionStatus.PUBLISHED
        assert len(procedure.current_version.definition["steps"]) >= 3
    assert s7.allows_proxy
    s1_types = {spec["type"] for _step, spec in iter_fields(s1.current_version.definition)}
    assert {"text", "name", "date", "phone", "money", "file", "consent", "info"} <= s1_types
    assert Procedure.objects.filter(current_version__isnull=False).values("category").distinct().count() >= 5


def test_every_demo_definition_passes_the_publishing_checks():
    for path in loader.procedure_files():
        definition = json.loads(path.read_text(encoding="utf-8"))["definition"]
        assert check_definition(definition) == [], path.name


def test_every_demo_field_type_is_registered_and_every_condition_names_an_earlier_field():
    for path in loader.procedure_files():
        definition = json.loads(path.read_text(encoding="utf-8"))["definition"]
        seen: set[str] = set()
        for _step, spec in iter_fields(definition):
            get_field_type(spec["type"])  # raises KeyError for an unknown type
            for rule in ("show_if", "required_if"):
                if spec.get(rule):
                    for key in condition_keys(spec[rule]):
                        assert key in seen, f"{path.name}: {spec['key']}.{rule} names {key}"
            seen.add(spec["key"])
        assert len(seen) == len(list(iter_fields(definition))), f"{path.name}: duplicate field keys"


def test_demo_staff_sign_in_with_the_printed_password_and_applicants_have_no_password(demo):
    staff = authenticate(email="kyosai-hoken@example.jp", password=loader.staff_password())
    assert staff is not None
    assert Membership.objects.filter(user=staff, organization__slug="kyosai", role=Role.REVIEWER).exists()
    assert not User.objects.get(email=loader.APPLICANT).has_usable_password()
    assert not User.objects.get(email=loader.PROXY).has_usable_password()
    admin = User.objects.get(email="admin@example.jp")
    assert admin.is_superuser and admin.is_staff


def test_a_changed_definition_is_published_as_a_new_version_and_the_old_one_is_kept(demo, monkeypatch):
    procedure = Procedure.objects.get(organization__slug="kyosai", slug="kogaku-ryoyohi")
    old = procedure.current_version
    old_definition = copy.deepcopy(old.definition)

    specs = loader.procedure_specs()
    for spec in specs:
        if spec["slug"] == "kogaku-ryoyohi":
            spec["definition"]["steps"][0]["title"] = "組合員の情報（改訂）"
    monkeypatch.setattr(loader, "procedure_specs", lambda: specs)
    result = loader.load_demo()

    procedure.refresh_from_db()
    old.refresh_from_db()
    assert result.created == {"procedure versions": 1}
    assert procedure.current_version.number == old.number + 1
    assert old.definition == old_definition


def test_the_banner_lists_the_applicant_the_staff_password_and_the_scenario_urls(demo):
    result = demo["result"]

    text = "\n".join(banner_lines(result, base_url="http://127.0.0.1:8123"))

    assert "hanako@example.jp" in text
    assert "gyosei@example.jp" in text
    assert loader.staff_password() in text
    assert "http://127.0.0.1:8123/dev/mail/" in text
    assert "http://127.0.0.1:8123/kyosai/kogaku-ryoyohi/" in text
    assert "/api/v1/docs" in text
    assert "/staff/login/" in text


def test_madoguchi_demo_without_serving_migrates_loads_and_prints_logins_and_urls(
    demo, capsys, settings, tmp_path, monkeypatch
):
    from madoguchi import cli
    from madoguchi.core.devvalues import DEMO_ENVIRONMENT

    for name in ("SITE_URL", *DEMO_ENVIRONMENT):  # `madoguchi demo` sets these defaults; undo after the test
        monkeypatch.delenv(name, raising=False)
    settings.DATA_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "var" / "media"
    cli.main(["madoguchi", "demo", "--no-serve", "--port", "8123"])
    cli.main(["madoguchi", "demo", "--no-serve", "--port", "8123"])

    out = capsys.readouterr().out
    assert "demo data loaded (nothing new)." in out
    assert "hanako@example.jp" in out
    assert "http://127.0.0.1:8123/dev/mail/" in out
    assert "http://127.0.0.1:8123/api/v1/docs" in out
    assert Procedure.objects.filter(organization__slug="shinjuku", slug="shogai-fukushi-shitei").exists()


def test_serving_the_demo_resumes_filling_the_search_vectors_in_the_background(
    demo, settings, tmp_path, monkeypatch
):
    import django.core.management as management

    from madoguchi import cli
    from madoguchi.core.devvalues import DEMO_ENVIRONMENT
    from madoguchi.knowledge.semantic import store

    for name in ("SITE_URL", *DEMO_ENVIRONMENT):
        monkeypatch.delenv(name, raising=False)
    settings.DATA_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "var" / "media"
    steps: list[str] = []
    original = management.call_command

    def call_command(name, *args, **kwargs):
        if name == "runserver":
            steps.append("serve")
            return None
        return original(name, *args, **kwargs)

    monkeypatch.setattr(management, "call_command", call_command)
    monkeypatch.setattr(store, "schedule", lambda: steps.append("fill vectors in the background"))
    cli.main(["madoguchi", "demo", "--no-serve", "--port", "8123"])
    assert steps == [], "--no-serve exits at once"
    cli.main(["madoguchi", "demo", "--port", "8123"])
    assert steps == ["fill vectors in the background", "serve"]


def test_sample_applications_are_submitted_once_with_their_receipt_photo(demo, settings, tmp_path):
    from madoguchi.applications.models import Application
    from madoguchi.demo.samples import load_sample_applications

    settings.MEDIA_ROOT = tmp_path / "media"
    first = load_sample_applications()
    second = load_sample_applications()

    assert [a.pk for a in first] == [a.pk for a in second]
    assert Application.objects.count() == 3  # 高額療養費, 研修申込, 罹災証明書 (S14)
    s1 = Application.objects.get(procedure__slug="kogaku-ryoyohi")
    assert s1.reference_number.startswith("KYO-")
    assert s1.attachments.count() == 1
    assert s1.data["paid_amount"] == 185000


def test_the_apps_demo_loaders_run_after_the_base_data_and_can_run_twice(demo):
    from madoguchi.demo.extras import APP_DEMOS, load_app_demos

    def rows_in_every_table() -> dict[str, int]:
        # The audit log may record that an import ran again; everything else must stay put.
        return {
            m._meta.label: m.objects.count()
            for m in apps.get_models()
            if m._meta.managed and m._meta.app_label != "audit"
        }

    first = list(load_app_demos())
    after_first = rows_in_every_table()
    second = list(load_app_demos())

    assert len(first) == len(second) == len(APP_DEMOS)
    assert rows_in_every_table() == after_first


def test_the_demo_has_a_procedure_at_the_verified_level_whose_applicant_step_takes_verified_claims(demo):
    """Playable with `madoguchi demo --oidc` (hanako at the development provider): docs/identity.md."""
    procedure = Procedure.objects.get(organization__slug="shinjuku", slug="tenshutsu-card")
    assert procedure.identity_level == "mynumber_card"
    prefill = {
        spec["key"]: spec.get("prefill") for _step, spec in iter_fields(procedure.current_version.definition)
    }
    assert {k: v for k, v in prefill.items() if v} == {
        "name": "name",
        "birth_date": "birth_date",
        "address": "address",
    }


# ---------------------------------------------------------------- issue 13: a guide per scenario


def test_every_person_named_in_a_scenario_is_a_demo_user(demo):
    from madoguchi.demo.scenarios import SCENARIOS

    named = {email for scenario in SCENARIOS for email in scenario.people}
    users = {login.email for login in demo["result"].logins}
    assert named <= users, sorted(named - users)
    assert [s.code for s in SCENARIOS] == [f"S{n}" for n in range(1, 15)]


def test_every_role_of_s2_s4_s10_s12_s13_has_a_demo_user(demo):
    def roles(email):
        return {(m.organization.slug, m.role) for m in Membership.objects.filter(user__email=email)}

    assert roles("shozoku@example.jp") == {("tokyo", Role.SUBMITTER)}  # S2 所属所: only 一括提出
    assert ("tokyo", Role.CENTRE) in roles("tokyo-center2@example.jp")  # S4: another person enters data
    assert ("tokyo", Role.OWNER) in roles("tokyo-jinji@example.jp")  # S12 payslips, S13 人事
    assert ("tokyo", Role.AUDITOR) in roles("tokyo-dx@example.jp")  # S10 DX推進本部
    shutoku = Procedure.objects.get(organization__slug="kyosai", slug="shikaku-shutoku")  # S2 資格取得届
    assert list(shutoku.bulk_submitters.values_list("slug", flat=True)) == ["tokyo"]


def test_the_banner_says_what_to_do_next_per_scenario_and_links_only_pages_that_exist(demo):
    text = "\n".join(banner_lines(demo["result"], base_url="http://127.0.0.1:8123"))
    assert "S2 所属所が組合員資格取得届を一括提出" in text
    assert "http://127.0.0.1:8123/builder/bulk/" in text
    assert "shozoku@example.jp" in text
    assert "http://127.0.0.1:8123/api/v1/openapi.json" in text
    assert "insights:dashboard" not in text


def test_s4_checks_the_income_and_enters_data_after_the_approval(demo):
    """S4 (issue 13): the eligibility check ignored an income of 1,500,000; no data-entry step."""
    from types import SimpleNamespace

    from madoguchi.review.checks import run_checks
    from madoguchi.review.demo import load_backoffice_demo
    from madoguchi.review.models import Route

    list(load_backoffice_demo())
    procedure = Procedure.objects.get(organization__slug="tokyo", slug="fuyo-teate")

    def checks(**data):
        case = SimpleNamespace(
            procedure_id=procedure.pk, application_id=1, application=SimpleNamespace(data=data)
        )
        return {r.label: r.passed for r in run_checks(case)}

    assert (
        checks(annual_income=1_500_000, living_together="yes")["扶養親族の年間収入（130万円未満）"] is False
    )
    assert checks(annual_income=900_000, living_together="yes")["扶養親族の年間収入（130万円未満）"] is True
    route = Route.objects.get(procedure=procedure, is_default=True)
    steps = list(route.steps.order_by("position").values_list("name", "kind"))
    assert steps[-2:] == [("センター 認定", "approval"), ("給与システムへのデータ入力", "decision")]
    assert len(list(load_backoffice_demo())) > 0  # loads again without a second check or route
    assert procedure.review_checks.count() == 3


# ---------------------------------------------------------------- issue 13: English forms


def _demo_definitions():
    from pathlib import Path

    folder = Path(loader.DATA_DIR) / "procedures"
    for path in sorted(folder.glob("*.json")):
        yield path.stem, json.loads(path.read_text(encoding="utf-8"))["definition"]


def _english_gaps(item, where=""):
    """Texts of a definition (steps, fields, options, hints, messages) without their English."""
    from madoguchi.procedures.translations import TRANSLATED_KEYS

    gaps = []
    if isinstance(item, dict):
        name = item.get("key") or item.get("value") or ""
        here = f"{where}/{name}" if name else where
        for key in TRANSLATED_KEYS:
            text = item.get(key)
            if isinstance(text, str) and text.strip() and not str(item.get(f"{key}_en") or "").strip():
                gaps.append(f"{here}: {key} 「{text}」")
        for value in item.values():
            if isinstance(value, (dict, list)):
                gaps += _english_gaps(value, here)
    elif isinstance(item, list):
        for value in item:
            gaps += _english_gaps(value, where)
    return gaps


@pytest.mark.parametrize(
    "slug,definition", list(_demo_definitions()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_field_of_every_demo_procedure_has_an_english_label(slug, definition):
    """The English switch left the scenario forms Japanese: the demo gave no English texts."""
    fields = [spec for _step, spec in iter_fields(definition)]
    assert fields, slug
    # a field with a label has it in English (an information text has no label: its text_en)
    unlabelled = [
        spec["key"] for spec in fields if spec.get("label") and not str(spec.get("label_en") or "").strip()
    ]
    assert unlabelled == []
    assert _english_gaps(definition) == []
    assert check_definition(definition) == []


def test_a_demo_form_reads_english_on_an_english_page(demo, client):
    """S13's 採用試験 in English: the first page's title, labels and hints are the demo's English."""
    from django.utils import translation

    with translation.override("ja"):  # an English request leaves the thread in English
        page = client.post(
            "/applications/new/tokyo/saiyo-shiken/",
            {"applying_as": "self"},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )
    html = page.content.decode()
    assert page.status_code == 200
    assert "Candidate" in html and "Full name" in html and "Date of birth" in html, html[:2000]
    assert "受験者" not in html and "生年月日" not in html
