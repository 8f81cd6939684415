"""{% render_field %}: label, badge, hint, error next to the input, aria attributes."""

import copy
import re

from django.template import Context, Template

from madoguchi.procedures.templatetags.procedure_fields import field_anchor

TEMPLATE = Template("{% load procedure_fields %}{% render_field spec value errors %}")
OPTIONS = [{"value": "a", "label": "はい"}, {"value": "b", "label": "いいえ"}]


def render(spec, value=None, errors=None):
    return TEMPLATE.render(Context({"spec": spec, "value": value, "errors": errors}))


def input_tag(html, element_id):
    match = re.search(rf'<(input|select|textarea)[^>]*\bid="{re.escape(element_id)}"[^>]*>', html)
    assert match, f"no input with id {element_id}"
    return match.group(0)


def test_a_text_field_has_a_label_for_its_input_and_a_required_badge():
    html = render({"key": "title", "type": "text", "label": "件名", "required": True, "help": "30文字以内"})
    assert '<label for="id_title">件名<span class="req">必須</span>' in html
    tag = input_tag(html, "id_title")
    assert 'name="title"' in tag
    assert 'aria-describedby="id_title-hint"' in tag
    assert "aria-invalid" not in tag


def test_an_optional_field_says_so():
    assert '<span class="opt">任意</span>' in render({"key": "note", "type": "textarea", "label": "備考"})


def test_an_error_is_next_to_the_field_and_tied_to_its_input():
    html = render(
        {"key": "amount", "type": "money", "label": "金額"},
        "abc",
        {"amount": ["金額は数字で入力してください。"]},
    )
    assert 'id="id_amount-error"' in html
    assert "金額は数字で入力してください。" in html
    tag = input_tag(html, "id_amount")
    assert 'aria-invalid="true"' in tag
    assert "id_amount-error" in tag
    assert 'value="abc"' in tag
    assert 'inputmode="numeric"' in tag
    assert "field-error" in html


def test_name_parts_have_autocomplete_and_a_kana_error_on_the_kana_input():
    errors = {"applicant.family_kana": ["氏名のセイ（フリガナ）はカタカナで入力してください。"]}
    html = render(
        {"key": "applicant", "type": "name", "label": "氏名", "required": True},
        {"family": "山田", "family_kana": "山田"},
        errors,
    )
    assert "<fieldset" in html and "<legend>氏名" in html
    assert 'autocomplete="family-name"' in input_tag(html, "id_applicant.family")
    assert 'autocomplete="given-name"' in input_tag(html, "id_applicant.given")
    kana = input_tag(html, "id_applicant.family_kana")
    assert 'aria-invalid="true"' in kana
    assert "id_applicant.family_kana-error" in kana
    assert 'value="山田"' in kana
    assert "aria-invalid" not in input_tag(html, "id_applicant.given")


def test_address_parts_have_autocomplete_and_a_lookup_button_that_works_without_javascript():
    html = render(
        {"key": "home", "type": "address", "label": "住所"},
        {"postal_code": "1600022", "prefecture": "東京都"},
    )
    assert 'autocomplete="postal-code"' in input_tag(html, "id_home.postal_code")
    assert 'inputmode="numeric"' in input_tag(html, "id_home.postal_code")
    assert 'autocomplete="address-level1"' in input_tag(html, "id_home.prefecture")
    assert 'autocomplete="address-level2"' in input_tag(html, "id_home.city")
    assert "<option selected>東京都</option>" in html
    assert 'type="submit"' in html and 'name="lookup:home"' in html


def test_a_date_field_is_a_text_input_with_the_accepted_forms_and_how_it_was_understood():
    html = render({"key": "birth", "type": "date", "label": "生年月日"}, "R6.4.1")
    tag = input_tag(html, "id_birth")
    assert 'type="text"' in tag
    assert "id_birth-format" in tag
    assert "令和6年4月1日" in html
    assert "2024年4月1日（令和6年） として受け付けます。" in html


def test_phone_and_email_inputs_bring_up_the_right_keyboard():
    phone = input_tag(render({"key": "tel", "type": "phone", "label": "電話番号"}), "id_tel")
    assert 'type="tel"' in phone and 'autocomplete="tel"' in phone and 'inputmode="tel"' in phone
    email = input_tag(render({"key": "mail", "type": "email", "label": "メール"}), "id_mail")
    assert 'inputmode="email"' in email and 'autocomplete="email"' in email


def test_radio_buttons_are_a_fieldset_whose_first_option_carries_the_field_id():
    html = render(
        {"key": "yesno", "type": "radio", "label": "該当しますか", "options": OPTIONS},
        "b",
        {"yesno": ["選んでください。"]},
    )
    assert "<legend>該当しますか" in html
    assert 'id="id_yesno"' in html and 'id="id_yesno_2"' in html
    assert re.search(r'<input type="radio" id="id_yesno_2"[^>]*checked', html)
    assert 'aria-describedby="id_yesno-error"' in html


def test_checkboxes_repeat_the_field_name_and_keep_what_was_checked():
    html = render({"key": "ways", "type": "checkboxes", "label": "手段", "options": OPTIONS}, ["a"])
    assert html.count('name="ways"') == 2
    assert re.search(r'id="id_ways" name="ways" value="a" checked', html)
    assert not re.search(r'value="b" checked', html)


def test_consent_shows_the_statement_and_one_checkbox():
    html = render(
        {
            "key": "agree",
            "type": "consent",
            "label": "同意",
            "statement": "個人情報を審査に使います。",
            "required": True,
        },
        True,
    )
    assert "個人情報を審査に使います。" in html
    assert re.search(r'<input type="checkbox" id="id_agree" name="agree" value="yes" checked', html)


def test_a_stored_file_is_shown_and_kept_unless_a_new_one_is_chosen():
    value = {"attachment_id": "1f0c", "name": "receipt.jpg", "size": 2048, "content_type": "image/jpeg"}
    html = render({"key": "receipt", "type": "file", "label": "領収書"}, value)
    assert "receipt.jpg" in html
    assert '<input type="hidden" name="receipt.keep" value="1f0c">' in html
    tag = input_tag(html, "id_receipt")
    assert 'type="file"' in tag
    assert "image/jpeg" in tag and ".jpg" in tag


def test_show_if_is_exposed_for_the_optional_script():
    html = render({"key": "x", "type": "text", "label": "X", "show_if": {"field": "kind", "equals": "other"}})
    assert (
        'data-show-if="{&quot;field&quot;: &quot;kind&quot;, &quot;equals&quot;: &quot;other&quot;}"' in html
    )


def test_user_input_is_escaped():
    html = render({"key": "t", "type": "text", "label": "T"}, '"><script>alert(1)</script>')
    assert "<script>" not in html


def test_field_anchor_matches_the_input_ids():
    assert field_anchor("applicant.family_kana") == "id_applicant.family_kana"
    assert field_anchor("title") == "id_title"


def _every_type_spec():
    from madoguchi.procedures.fields import registry

    for type_id in sorted(registry):
        spec = {"key": f"f_{type_id}", "type": type_id, "label": type_id, "help": "ヒント", "required": True}
        spec.update(copy.deepcopy(registry[type_id].defaults))
        if type_id in {"select", "radio", "checkboxes"}:
            spec["options"] = OPTIONS
        if type_id == "consent":
            spec["statement"] = "同意します。"
        if type_id == "info":
            spec = {"key": "f_info", "type": "info", "text": "ご案内"}
        yield spec


def test_every_type_refers_only_to_ids_that_exist_and_ids_are_unique():
    for spec in _every_type_spec():
        key = spec["key"]
        for value, errors in [
            (None, None),
            ("2024-04-01", {key: ["誤り"], f"{key}.given": ["誤り"], f"{key}.city": ["誤り"]}),
        ]:
            html = render(spec, value, errors)
            ids = re.findall(r'\bid="([^"]+)"', html)
            assert len(ids) == len(set(ids)), (spec["type"], ids)
            referenced = [
                i for group in re.findall(r'aria-describedby="([^"]+)"', html) for i in group.split()
            ]
            referenced += re.findall(r'<label for="([^"]+)"', html)
            missing = [i for i in referenced if i not in ids]
            assert not missing, (spec["type"], missing)
            if errors and spec["type"] not in {"info", "computed"}:
                assert 'aria-invalid="true"' in html, spec["type"]
                assert "誤り" in html, spec["type"]
