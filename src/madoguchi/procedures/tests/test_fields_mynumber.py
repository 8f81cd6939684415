"""マイナンバー: check digit, ciphertext at rest, masked everywhere, never in messages."""

import json

import pytest
from django.http import QueryDict

from madoguchi.core import crypto
from madoguchi.core.errors import FieldErrors
from madoguchi.procedures.fields import FieldValidationError, ValidationContext, get_field_type
from madoguchi.procedures.fields.identity import check_digit, is_valid_mynumber, reveal
from madoguchi.procedures.templatetags.procedure_fields import render_field
from madoguchi.procedures.validation import clean_fields, display_rows, parse_step_form

VALID = "123456789018"
SPEC = {"key": "my", "type": "mynumber", "label": "個人番号", "required": True}
mynumber = get_field_type("mynumber")


def clean(raw):
    return mynumber.clean(raw, SPEC, ValidationContext())


@pytest.mark.parametrize("first11,digit", [("12345678901", 8), ("00000000000", 0), ("11111111111", 8)])
def test_check_digit_follows_the_official_algorithm(first11, digit):
    total = sum(int(first11[11 - n]) * (n + 1 if n <= 6 else n - 5) for n in range(1, 12))
    expected = 0 if total % 11 <= 1 else 11 - total % 11
    assert check_digit(first11) == expected == digit


def test_a_valid_number_in_fullwidth_with_spaces_is_accepted_and_stored_encrypted():
    value = clean("１２３４ ５６７８ ９０１８")
    assert value["last4"] == "9018"
    assert crypto.is_token(value["token"])
    assert VALID not in json.dumps(value)
    assert reveal(value) == VALID


@pytest.mark.parametrize("typed", ["123456789012", "12345678901", "1234567890189", "12345678901a"])
def test_wrong_numbers_are_refused_without_repeating_the_number(typed):
    with pytest.raises(FieldValidationError) as info:
        clean(typed)
    message = str(info.value.message)
    assert "個人番号" in message
    assert typed not in message and typed[-4:] not in message


def test_the_check_digit_error_explains_where_to_find_the_number():
    with pytest.raises(FieldValidationError) as info:
        clean("123456789012")
    assert "正しくありません" in str(info.value.message)


def test_the_form_value_is_ciphertext_even_before_validation():
    post = QueryDict(mutable=True)
    post["my"] = "123456789012"  # wrong check digit: a draft keeps it "as typed"
    definition = {"steps": [{"key": "a", "fields": [SPEC]}]}
    raw = parse_step_form(definition, "a", post, {})
    assert "123456789012" not in json.dumps(raw)
    with pytest.raises(FieldErrors) as info:
        clean_fields([SPEC], raw, context=ValidationContext())
    assert "123456789012" not in json.dumps(info.value.as_dict(), ensure_ascii=False)


def test_a_kept_number_is_used_when_the_input_is_left_empty():
    stored = clean(VALID)
    post = QueryDict(mutable=True)
    post["my"] = ""
    post["my.keep"] = stored["token"]
    raw = mynumber.parse_form(SPEC, post, {})
    assert reveal(clean(raw)) == VALID


def test_a_tampered_token_is_refused():
    token = clean(VALID)["token"]
    tampered = token[:20] + ("A" if token[20] != "A" else "B") + token[21:]
    with pytest.raises(FieldValidationError):
        clean({"token": tampered})


def test_display_and_page_show_only_the_last_four_digits():
    stored = clean(VALID)
    assert mynumber.display(stored, SPEC) == "＊＊＊＊ ＊＊＊＊ 9018"
    html = render_field(SPEC, stored, None)
    assert VALID not in html and "12345678" not in html
    assert "＊＊＊＊ ＊＊＊＊ 9018" in html
    rows = display_rows({"steps": [{"key": "a", "fields": [SPEC]}]}, {"my": stored})
    assert rows[0]["value"] == "＊＊＊＊ ＊＊＊＊ 9018"


def test_a_token_for_another_purpose_cannot_be_replayed():
    token = crypto.encrypt_text(VALID, purpose="something-else")
    with pytest.raises(FieldValidationError):
        clean({"token": token})


def test_is_valid_mynumber_refuses_non_ascii_digits():
    assert is_valid_mynumber(VALID)
    assert not is_valid_mynumber("１２３４５６７８９０１８")


@pytest.mark.django_db
def test_submitted_application_and_audit_entry_hold_no_clear_number():
    from madoguchi.applications.services import application_submit, draft_save_step, draft_start
    from madoguchi.audit.models import AuditEntry
    from madoguchi.core.testing import make_procedure, make_user

    definition = {"steps": [{"key": "a", "title": "本人確認", "fields": [SPEC]}]}
    user = make_user()
    draft = draft_start(applicant=user, procedure=make_procedure(definition=definition))
    with pytest.raises(FieldErrors):
        draft_save_step(
            draft=draft, step_key="a", raw={"my": mynumber.parse_form(SPEC, QueryDict("my=123456789012"), {})}
        )
    draft.refresh_from_db()
    assert "123456789012" not in json.dumps(draft.data)
    draft = draft_save_step(draft=draft, step_key="a", raw={"my": VALID})
    application = application_submit(draft=draft, actor=user, idempotency_key="k")
    stored = json.dumps(application.data)
    assert VALID not in stored and reveal(application.data["my"]) == VALID
    assert VALID not in json.dumps([e.after for e in AuditEntry.objects.all()], default=str)
