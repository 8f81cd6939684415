"""Every registered field type is complete in one place: builder inputs, template, script hooks.

A type declares its builder inputs (``builder_inputs``), its template, and the data
attributes of its template that static/js/fields.js acts on (``script_hooks``). These tests
fail when a new type forgets one of them, or when a declaration points at nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.http import QueryDict
from django.template import Context, Template
from django.template.loader import get_template

from madoguchi.procedures.builder.forms import field_form_values, read_field_form
from madoguchi.procedures.fields import registry
from madoguchi.procedures.fields.inputs import INPUT_KINDS

FIELDS_JS = (Path(__file__).resolve().parents[2] / "static" / "js" / "fields.js").read_text(encoding="utf-8")
RENDER = Template("{% load procedure_fields %}{% render_field spec value errors %}")
COMMON_KEYS = {"key", "type", "label", "help", "required", "required_if", "show_if"}
TYPES = sorted(registry)


def new_spec(type_id: str) -> dict:
    return {"key": "f", "type": type_id, "label": "項目", **registry[type_id].defaults}


def as_post(values: dict) -> QueryDict:
    post = QueryDict(mutable=True)
    for name, value in values.items():
        if isinstance(value, bool):
            if value:
                post[name] = "on"
        elif isinstance(value, list):
            post.setlist(name, [str(v) for v in value])
        else:
            post[name] = str(value)
    return post


@pytest.mark.parametrize("type_id", TYPES)
def test_every_option_of_a_type_has_a_builder_input_and_every_input_edits_an_option(type_id):
    field_type = registry[type_id]
    paths = [builder_input.path for builder_input in field_type.builder_inputs]
    assert len(paths) == len(set(paths)), "an option edited twice"
    for builder_input in field_type.builder_inputs:
        assert builder_input.kind in INPUT_KINDS
        head = builder_input.path.split(".")[0]
        assert head == "validation" or head in field_type.options, builder_input.path
    for option in field_type.options:
        assert any(path.split(".")[0] == option for path in paths), f"{type_id}.{option} has no builder input"


@pytest.mark.parametrize("type_id", TYPES)
def test_a_new_field_of_every_type_survives_the_builder_form_unchanged(type_id):
    spec = new_spec(type_id)
    if not registry[type_id].has_value:
        spec.pop("label")
    assert registry[type_id].check_spec(spec) == []
    new, errors, _values = read_field_form(spec, as_post(field_form_values(spec)))
    assert errors == {}
    assert new == spec


@pytest.mark.parametrize("type_id", TYPES)
def test_every_type_has_a_template_that_renders_a_new_field(type_id):
    field_type = registry[type_id]
    get_template(field_type.template_name)  # raises TemplateDoesNotExist
    html = RENDER.render(Context({"spec": new_spec(type_id), "value": None, "errors": {}}))
    assert 'id="id_f' in html


@pytest.mark.parametrize("type_id", TYPES)
def test_the_script_hooks_of_a_type_are_in_its_template_and_in_fields_js(type_id):
    field_type = registry[type_id]
    source = get_template(field_type.template_name).template.source
    for hook in field_type.script_hooks:
        assert hook in source, f"{field_type.template_name} lacks {hook}"
        assert re.search(rf"\b{re.escape(hook)}\b", FIELDS_JS), f"fields.js does not act on {hook}"


def test_every_field_hook_that_fields_js_acts_on_belongs_to_a_type():
    declared = {hook for field_type in registry.values() for hook in field_type.script_hooks}
    used = set(re.findall(r"data-[a-z-]+", FIELDS_JS)) - {"data-show-if"}  # show_if: every type
    # Attributes a hook's element carries besides the hook itself (read, not acted on).
    carried = {"data-lookup-url", "data-format", "data-places", "data-unit", "data-empty"}
    assert used - carried <= declared
