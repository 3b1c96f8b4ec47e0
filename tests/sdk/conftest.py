"""The OpenAPI document as the server gives it in a language."""

import json

import pytest
from django.test import override_settings
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator


def schema_in(language: str) -> dict:
    """The public schema, generated as a server whose ``LANGUAGE_CODE`` is
    ``language`` serves it, as plain JSON data (lazy labels translated)."""
    with override_settings(LANGUAGE_CODE=language), translation.override(language):
        schema = SchemaGenerator().get_schema(request=None, public=True)
        return json.loads(json.dumps(schema, default=str, ensure_ascii=False))


@pytest.fixture(scope="session")
def schemas() -> dict[str, dict]:
    return {language: schema_in(language) for language in ("zh-hans", "en")}
