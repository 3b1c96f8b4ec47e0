"""The API's schema: drf-spectacular's AutoSchema and the postprocessing hooks that
document every error answer and name schemas from code identifiers."""

import copy
import re

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular import openapi
from drf_spectacular.drainage import warn
from rest_framework import serializers

from common.openapi import RESPONSES as _RESPONSES

_SCHEMA_OF = {
    400: "FieldErrors",
    401: "DetailError",
    403: "DetailError",
    404: "DetailError",
    409: "TransitionError",
}
_WRITES = {"post", "put", "patch", "delete"}


def _error_response(code: int) -> dict:
    return {
        "content": {
            "application/json": {
                "schema": {"$ref": f"#/components/schemas/{_SCHEMA_OF[code]}"}
            }
        },
        "description": str(_RESPONSES[code].description),
    }


def document_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation documents the error
    answers it can give (DESIGN section 6), where its own ``extend_schema`` did not:

    - 401 on every operation that needs credentials;
    - 400 on every operation with a body or query parameters (bad input, an unknown
      filter choice);
    - 403 on every write (the role may not do this);
    - 404 on every operation with a path parameter (outside the caller's scope) and
      on paginated lists (a page past the end).

    409 is declared by the state-changing operations themselves."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(
        "DetailError",
        {
            "type": "object",
            "properties": {"detail": {"type": "string"}},
            "required": ["detail"],
        },
    )
    schemas.setdefault(
        "FieldErrors",
        {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    )
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            parameters = operation.get("parameters", [])
            needed = set()
            secured = bool(operation.get("security"))
            if secured:
                needed.add(401)
            if "requestBody" in operation or any(
                p.get("in") == "query" for p in parameters
            ):
                needed.add(400)
            if method in _WRITES and secured:
                needed.add(403)
            if any(p.get("in") == "path" for p in parameters) or any(
                p.get("name") == "page" for p in parameters
            ):
                needed.add(404)
            responses = operation.setdefault("responses", {})
            for code in sorted(needed):
                responses.setdefault(str(code), _error_response(code))
    return result


# --- names a client generator can rely on -----------------------------------------
#
# SDK generators (openapi-python-client, openapi-generator, ...) turn component names
# into class names by dropping everything but letters and digits, and name an inline
# enum or object after its ``title`` (a translated label) or, failing that, after the
# operation and parameter. Two components whose names differ only by an underscore or
# by case become one class and one of them is lost; a translated title gives class
# names that change with the server's language. So every name here comes from code:
# serializer classes, model choices, operation ids and parameter names.

_JSON_TYPES = ("application/json",)
_BINARY = {"type": "string", "format": "binary"}
_OCTET_STREAM = "application/octet-stream"


def pascal_case(identifier: str) -> str:
    """``subject_type`` -> ``SubjectType``; ``_SchoolRef`` -> ``SchoolRef``."""
    parts = re.split(r"[^0-9A-Za-z]+", identifier)
    return "".join(part[:1].upper() + part[1:] for part in parts if part)


def normalised_name(name: str) -> str:
    """A name as generators compare them: letters and digits only, any case."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def _read_only_choice_that_may_be_blank(field) -> bool:
    if not (
        isinstance(field, serializers.ChoiceField)
        and not isinstance(field, serializers.MultipleChoiceField)
        and field.read_only
        and not field.allow_blank
        and "." not in (field.source or ".")
    ):
        return False
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    try:
        model_field = model._meta.get_field(field.source) if model else None
    except FieldDoesNotExist:
        return False
    return bool(getattr(model_field, "blank", False) and model_field.choices)


class AutoSchema(openapi.AutoSchema):
    """Component names for serializers private to a module (``_CountySerializer``)
    carry their app's name (``DashboardCounty``), so they cannot be taken for the
    public component of the same name (``County``) once the underscore is dropped."""

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if _read_only_choice_that_may_be_blank(field):
            # DRF drops ``allow_blank`` from read-only fields, but the model field
            # stores and returns "": generated clients must accept it.
            field = copy.copy(field)
            field.allow_blank = True
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def get_serializer_name(self, serializer, direction) -> str:
        name = super().get_serializer_name(serializer, direction)
        if name.startswith("_"):
            app = type(serializer).__module__.split(".", 1)[0]
            name = pascal_case(app) + pascal_case(name)
        return name


def _untitle(schema, *, root: bool = False):
    """``schema`` without the ``title`` of any inline enum, object or reference in
    it (a component's root has a name of its own and keeps what it has).

    drf-spectacular writes a property that refers to a component as ``allOf: [$ref]``
    only to give it a title, and only where the translated label differs from the
    field name: without the title it is the bare ``$ref`` in every language."""
    if not isinstance(schema, dict):
        return schema
    composed = ("allOf", "oneOf", "anyOf")
    if (
        not root
        and "title" in schema
        and any(key in schema for key in ("enum", "properties", *composed))
    ):
        del schema["title"]
    for name, sub in schema.get("properties", {}).items():
        schema["properties"][name] = _untitle(sub)
    for key in ("items", "additionalProperties", "not"):
        if isinstance(schema.get(key), dict):
            schema[key] = _untitle(schema[key])
    for key in composed:
        if key in schema:
            schema[key] = [_untitle(sub) for sub in schema[key]]
    if not root and list(schema) == ["allOf"] and len(schema["allOf"]) == 1:
        return schema["allOf"][0]
    return schema


def _operations(result):
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method in {"get", "put", "post", "patch", "delete", "head", "options"}:
                yield operation


def _enum_component(
    schemas: dict, operation_id: str, parameter: str, values: list
) -> str | None:
    """The enum component with exactly these values (the model's choices, so a
    filter and the field it filters share one class), else a new one named after
    the parameter, or after the operation and the parameter when that is taken."""
    wanted = set(values)
    matches = sorted(
        name
        for name, schema in schemas.items()
        if "enum" in schema and set(schema["enum"]) - {"", None} == wanted
    )
    preferred = pascal_case(parameter)
    matches.sort(key=lambda name: preferred not in name)
    if matches:
        return matches[0]
    for name in (
        f"{preferred}Enum",
        f"{pascal_case(operation_id)}{preferred}Enum",
    ):
        if name not in schemas:
            schemas[name] = {"enum": list(values), "type": "string"}
            return name
    warn(f"no free component name for the enum of {operation_id} {parameter}")
    return None


def _has_file(schema, schemas: dict, seen: frozenset = frozenset()) -> bool:
    if isinstance(schema, list):
        return any(_has_file(s, schemas, seen) for s in schema)
    if not isinstance(schema, dict):
        return False
    if schema.get("format") == "binary":
        return True
    ref = schema.get("$ref", "")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        return name not in seen and _has_file(schemas.get(name), schemas, seen | {name})
    return any(_has_file(value, schemas, seen) for value in schema.values())


def _one_request_encoding(body: dict, schemas: dict) -> None:
    content = body.get("content", {})
    if len(content) < 2:
        return
    files = any(_has_file(m.get("schema"), schemas) for m in content.values())
    keep = "multipart/form-data" if files else "application/json"
    if keep in content:
        body["content"] = {keep: content[keep]}


def name_schema_from_code(result, generator, request, public):
    """drf-spectacular postprocessing hook (the last one): names from code only.

    - A query or path parameter's enum (a django-filter choice filter, whose schema
      carries the field's translated label as ``title``) becomes a ``$ref`` to the
      enum component with the same values, or to a new one named after the
      parameter.
    - No inline enum or object keeps a ``title``: generators would name a class
      after it. The label stays in the parameter's or property's description.
    - A request body is documented in one encoding: JSON (the API's contract),
      or multipart when it carries a file. The server also parses forms, for the
      browsable API; generators given the same model under three content types
      make broken code (openapi-python-client 0.29.1: ``Unset`` not imported, and
      every call sent as multipart with a fixed boundary).
    - A file download (a binary body of a type such as .xlsx or PDF) also lists
      ``application/octet-stream``, the type generators know for "bytes"; the
      server's own type stays first.
    - Component names that are not plain identifiers or that collide once
      normalised are reported as warnings (``spectacular --fail-on-warn`` fails)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for operation in _operations(result):
        for parameter in operation.get("parameters", []):
            schema = parameter.get("schema", {})
            if "enum" in schema.get("items", {}):
                holder, key = schema, "items"
            elif "enum" in schema:
                holder, key = parameter, "schema"
            else:
                continue
            values = holder[key]["enum"]
            name = _enum_component(
                schemas, operation["operationId"], parameter["name"], values
            )
            if name is not None:
                holder[key] = {"$ref": f"#/components/schemas/{name}"}
        _one_request_encoding(operation.get("requestBody", {}), schemas)
        bodies = [operation.get("requestBody", {}), *operation["responses"].values()]
        for body in bodies:
            content = body.get("content", {})
            for media in content.values():
                if "schema" in media:
                    media["schema"] = _untitle(media["schema"])
            if (
                content
                and _OCTET_STREAM not in content
                and not any(t.startswith(_JSON_TYPES) for t in content)
                and all(m.get("schema") == _BINARY for m in content.values())
            ):
                content[_OCTET_STREAM] = {"schema": dict(_BINARY)}
        for parameter in operation.get("parameters", []):
            if "schema" in parameter:
                parameter["schema"] = _untitle(parameter["schema"])
    for schema in schemas.values():
        _untitle(schema, root=True)

    seen: dict[str, str] = {}
    for name in schemas:
        if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", name):
            warn(f"component name {name!r} is not a plain PascalCase identifier")
        other = seen.setdefault(normalised_name(name), name)
        if other != name:
            warn(
                f"components {other!r} and {name!r} have the same name once "
                "normalised: a generated client would keep only one of them"
            )
    return result
