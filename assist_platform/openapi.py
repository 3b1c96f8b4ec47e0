"""Reusable OpenAPI descriptions of the error answers (DESIGN section 6).

Use with drf-spectacular: ``@extend_schema(responses={200: X, **errors(400, 403)})``.
The bodies are those produced by ``assist_platform.errors.api_exception_handler``."""

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

DetailError = inline_serializer(
    name="DetailError",
    fields={"detail": serializers.CharField()},
)

TransitionError = inline_serializer(
    name="TransitionError",
    fields={
        "detail": serializers.CharField(help_text="Names the current state."),
        "status": serializers.CharField(help_text="The current state's code."),
        "code": serializers.CharField(help_text="Always `invalid_state`."),
    },
)

FieldErrors = inline_serializer(
    name="FieldErrors",
    fields={
        "field_name": serializers.ListField(
            child=serializers.CharField(),
            help_text="Messages for each field that was refused; "
            "`non_field_errors` for the request as a whole.",
        )
    },
)

_RESPONSES = {
    400: OpenApiResponse(FieldErrors, description="Bad input: messages per field."),
    401: OpenApiResponse(DetailError, description="No or invalid credentials."),
    403: OpenApiResponse(DetailError, description="The role may not do this."),
    404: OpenApiResponse(DetailError, description="Not found in the caller's scope."),
    409: OpenApiResponse(
        TransitionError,
        description="The object's current state does not allow this.",
    ),
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """The error responses with the given status codes."""
    return {code: _RESPONSES[code] for code in codes}


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
