"""電話番号 and メールアドレス."""

import pytest

from madoguchi.procedures import phone
from madoguchi.procedures.fields import FieldValidationError, ValidationContext, get_field_type

PHONE = get_field_type("phone")
EMAIL = get_field_type("email")


def clean_phone(raw, **spec):
    return PHONE.clean(raw, {"key": "tel", "type": "phone", "label": "電話番号", **spec}, ValidationContext())


def clean_email(raw):
    return EMAIL.clean(raw, {"key": "mail", "type": "email", "label": "メールアドレス"}, ValidationContext())


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("09012345678", "090-1234-5678"),
        ("090-1234-5678", "090-1234-5678"),
        ("０９０ー１２３４ー５６７８", "090-1234-5678"),
        ("080 1234 5678", "080-1234-5678"),
        ("070(1234)5678", "070-1234-5678"),
        ("+81 90-1234-5678", "090-1234-5678"),
        ("0312345678", "03-1234-5678"),
        ("（03）1234－5678", "03-1234-5678"),
        ("0661234567", "06-6123-4567"),
        ("0451234567", "045-123-4567"),
        ("0521234567", "052-123-4567"),
        ("0466123456", "0466-12-3456"),
        ("0422223456", "0422-22-3456"),
        ("0126712345", "01267-1-2345"),
        ("0120123456", "0120-123-456"),
        ("08001234567", "0800-123-4567"),
        ("05012345678", "050-1234-5678"),
        ("0570123456", "0570-123-456"),
    ],
)
def test_japanese_numbers_are_stored_with_hyphens_where_the_area_code_ends(typed, stored):
    assert clean_phone(typed) == stored


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("090123456", "桁数"),
        ("0901234567", "桁数"),
        ("031234567", "桁数"),
        ("031234567890", "桁数"),
        ("1234-5678", "市外局番"),
        ("090-abcd-5678", "数字で"),
        ("0104319635", "桁数または番号"),
    ],
)
def test_a_number_that_cannot_be_called_is_refused_with_a_reason_and_an_example(typed, hint):
    with pytest.raises(FieldValidationError) as exc:
        clean_phone(typed)
    message = str(exc.value.message)
    assert message.startswith("電話番号")
    assert hint in message
    assert "090-1234-5678" in message


def test_kinds_restrict_to_mobile_numbers():
    assert clean_phone("090-1234-5678", kinds=["mobile"]) == "090-1234-5678"
    with pytest.raises(FieldValidationError) as exc:
        clean_phone("03-1234-5678", kinds=["mobile"])
    assert "携帯電話" in str(exc.value.message)


def test_classify_tells_mobile_from_fixed_and_free_dial():
    assert phone.classify("09012345678") == phone.KIND_MOBILE
    assert phone.classify("0312345678") == phone.KIND_FIXED
    assert phone.classify("0120123456") == phone.KIND_FREE
    assert phone.classify("0312") is None


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("taro@example.jp", "taro@example.jp"),
        ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", "taro@example.jp"),
        ("Taro.Yamada@Example.JP", "Taro.Yamada@example.jp"),
        (" taro@example.jp ", "taro@example.jp"),
        ("taro+tag@mail.example.co.jp", "taro+tag@mail.example.co.jp"),
    ],
)
def test_email_is_normalized_to_half_width_with_a_lower_case_domain(typed, stored):
    assert clean_email(typed) == stored


@pytest.mark.parametrize(
    "typed", ["taro", "taro@", "taro@@example.jp", "taro@example", "山田@example.jp", "a b@c"]
)
def test_an_invalid_email_gets_a_message_with_an_example(typed):
    with pytest.raises(FieldValidationError) as exc:
        clean_email(typed)
    assert "taro.yamada@example.jp" in str(exc.value.message)
    assert str(exc.value.message).startswith("メールアドレス")


@pytest.mark.django_db
def test_an_address_asked_for_a_staff_role_must_be_a_staff_member_of_the_organization_with_it():
    from madoguchi.accounts.constants import Role
    from madoguchi.core.testing import make_organization, make_staff

    organization, other = make_organization(), make_organization()
    approver = make_staff(organization, Role.APPROVER, email="kacho@example.jp")
    make_staff(organization, Role.REVIEWER, email="tanto@example.jp")
    make_staff(other, Role.APPROVER, email="yoso@example.jp")
    spec = {"key": "boss", "type": "email", "label": "所属長のメールアドレス", "staff_role": "approver"}
    context = ValidationContext(organization_id=organization.pk)
    assert EMAIL.clean("ｋａｃｈｏ＠ＥＸＡＭＰＬＥ.jp", spec, context) == approver.email
    for typed in ("tanto@example.jp", "yoso@example.jp", "nobody@example.jp"):
        with pytest.raises(FieldValidationError) as refused:
            EMAIL.clean(typed, spec, context)
        assert "所属長のメールアドレスに入力されたアドレスは" in str(refused.value.message)
    # a form outside an organization (nothing to check against) takes any address
    assert EMAIL.clean("nobody@example.jp", spec, ValidationContext()) == "nobody@example.jp"
    assert EMAIL.check_spec({**spec, "staff_role": "counter"}) != []
    assert EMAIL.check_spec(spec) == []
