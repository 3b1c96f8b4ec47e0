"""SDK generators make class names from the OpenAPI document: every component and
enum name there comes from code, stays unique once normalised the way generators
normalise it, and is the same whatever the server's language."""

import json
import re

import pytest
from drf_spectacular.drainage import GENERATOR_STATS, reset_generator_stats

from assist_platform.openapi import name_schema_from_code, normalised_name

HUMAN_TEXT = {"description", "title", "summary"}
LANGUAGES = ["zh-hans", "en"]


def without_human_text(node):
    if isinstance(node, dict):
        return {
            k: without_human_text(v) for k, v in node.items() if k not in HUMAN_TEXT
        }
    if isinstance(node, list):
        return [without_human_text(v) for v in node]
    return node


def inline_schemas(schema: dict):
    """(where, schema) for every schema that is not a component's root: the ones a
    generator names after their title or their place."""

    def walk(node, where):
        if isinstance(node, dict):
            yield where, node
            for key, value in node.items():
                yield from walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from walk(value, f"{where}/{i}")

    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                yield from walk(
                    parameter["schema"], f"{method} {path} {parameter['name']}"
                )
            bodies = [
                operation.get("requestBody", {}),
                *operation["responses"].values(),
            ]
            for body in bodies:
                for media, content in body.get("content", {}).items():
                    yield from walk(
                        content.get("schema", {}), f"{method} {path} {media}"
                    )
    for name, component in schema["components"]["schemas"].items():
        for key in ("properties", "items", "allOf", "oneOf", "anyOf"):
            if key in component:
                yield from walk(component[key], f"{name}/{key}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_component_names_are_identifiers_unique_once_normalised(schemas, language):
    names = list(schemas[language]["components"]["schemas"])
    for name in names:
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]*", name), name
    by_normalised = {}
    for name in names:
        by_normalised.setdefault(normalised_name(name), []).append(name)
    collisions = [group for group in by_normalised.values() if len(group) > 1]
    assert collisions == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_enum_is_a_named_component(schemas, language):
    """Filters included: ``?status=`` of needs is the same ``NeedStatusEnum`` as a
    need's status, not an inline enum named after the label 状态."""
    inline = [where for where, s in inline_schemas(schemas[language]) if "enum" in s]
    assert inline == []
    needs = schemas[language]["paths"]["/api/v1/needs/"]["get"]["parameters"]
    status = next(p for p in needs if p["name"] == "status")
    assert status["schema"]["items"] == {"$ref": "#/components/schemas/NeedStatusEnum"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_inline_schema_carries_a_title_to_be_named_after(schemas, language):
    titled = [
        where
        for where, s in inline_schemas(schemas[language])
        if "title" in s
        and isinstance(s["title"], str)
        and any(k in s for k in ("enum", "properties", "allOf", "oneOf", "anyOf"))
    ]
    assert titled == []


def test_schema_is_byte_identical_in_chinese_and_english_but_for_human_text(schemas):
    chinese, english = (
        json.dumps(without_human_text(schemas[language]), ensure_ascii=False)
        for language in LANGUAGES
    )
    assert chinese == english
    # The comparison is not vacuous: descriptions do follow the language.
    assert schemas["zh-hans"] != schemas["en"]


def test_operation_ids_are_unique_once_normalised(schemas):
    ids = [
        operation["operationId"]
        for item in schemas["en"]["paths"].values()
        for operation in item.values()
    ]
    assert len({normalised_name(i) for i in ids}) == len(ids)


def test_dashboard_parts_are_named_after_their_app(schemas):
    components = schemas["zh-hans"]["components"]["schemas"]
    county = components["Dashboard"]["properties"]["county"]
    refs = json.dumps(county)
    assert "#/components/schemas/DashboardCounty" in refs
    assert set(components["County"]["properties"]) >= {"id", "name", "province"}


def test_file_downloads_also_offer_bytes_that_generators_understand(schemas):
    certificate = schemas["en"]["paths"]["/api/v1/evaluations/{id}/certificate/"]
    content = certificate["get"]["responses"]["200"]["content"]
    assert list(content) == ["application/pdf", "application/octet-stream"]


def test_each_request_body_has_one_encoding(schemas):
    """JSON, or multipart for an upload: generators make one ``body`` argument."""
    encodings = {
        operation["operationId"]: list(operation["requestBody"]["content"])
        for item in schemas["en"]["paths"].values()
        for operation in item.values()
        if "requestBody" in operation
    }
    assert {len(types) for types in encodings.values()} == {1}
    assert encodings["needs_create"] == ["application/json"]
    assert encodings["imports_create"] == ["multipart/form-data"]


def test_a_read_only_choice_that_may_be_blank_is_documented_so(schemas):
    """A need's first transition comes from nowhere: ``from_status`` is ""."""
    transition = schemas["en"]["components"]["schemas"]["NeedTransition"]
    refs = json.dumps(transition["properties"]["from_status"])
    assert "#/components/schemas/BlankEnum" in refs
    assert "BlankEnum" not in json.dumps(transition["properties"]["to_status"])


def test_the_check_warns_when_two_components_collide_once_normalised(capsys):
    """A future ``_Team`` beside ``Team`` fails ``spectacular --fail-on-warn``."""
    reset_generator_stats()
    schema = {
        "paths": {},
        "components": {"schemas": {"Team": {}, "team": {}, "TEAM_2": {}}},
    }
    try:
        name_schema_from_code(schema, generator=None, request=None, public=True)
        assert GENERATOR_STATS
    finally:
        reset_generator_stats()
    err = capsys.readouterr().err
    assert "'Team' and 'team' have the same name once normalised" in err
    assert "'TEAM_2' is not a plain PascalCase identifier" in err
