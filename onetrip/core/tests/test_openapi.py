"""The OpenAPI document is the API's contract: one name per component, every number a client
sends bounded, and every operation's refusals documented as problem details."""

from __future__ import annotations

import typing
from collections import defaultdict
from collections.abc import Iterator

from pydantic import BaseModel

from onetrip.api import api


def _schema_classes(annotation) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in typing.get_args(annotation):
        yield from _schema_classes(argument)


def _operation_schemas() -> Iterator[type[BaseModel]]:
    """The schemas every operation takes and answers with (ninja wraps each in a model)."""
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                responses = operation.response_models.values()
                wrappers = [m for m in responses if hasattr(m, "model_fields")] + operation.models
                for wrapper in wrappers:
                    for field in wrapper.model_fields.values():
                        yield from _schema_classes(field.annotation)


def test_every_component_name_names_one_schema():
    """ninja names a component after its class: two classes of one name silently share one
    entry of the document, which then describes only one of them."""
    classes_by_name: dict[str, set[str]] = defaultdict(set)
    pending, seen = list(_operation_schemas()), set()
    while pending:
        schema = pending.pop()
        if schema in seen:
            continue
        seen.add(schema)
        classes_by_name[schema.__name__].add(f"{schema.__module__}.{schema.__qualname__}")
        for field in schema.model_fields.values():
            pending.extend(_schema_classes(field.annotation))
    assert len(seen) > 90  # the walk reached the schemas (98 when written)
    assert {name: c for name, c in classes_by_name.items() if len(c) > 1} == {}


def _document() -> dict:
    return api.get_openapi_schema(path_prefix="/api")


def _operations(document: dict) -> Iterator[tuple[str, str, dict]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def _resolve(schema: dict, document: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _numbers(
    schema: dict, document: dict, where: str, seen: set[str]
) -> Iterator[tuple[str, dict]]:
    """Every integer or number a client may send, with where it sits."""
    ref = schema.get("$ref")
    if ref:
        if ref in seen:
            return
        seen = seen | {ref}
    schema = _resolve(schema, document)
    if schema.get("type") in ("integer", "number"):
        yield where, schema
    for option in schema.get("anyOf", []) + schema.get("allOf", []) + schema.get("oneOf", []):
        yield from _numbers(option, document, where, seen)
    for name, field in schema.get("properties", {}).items():
        yield from _numbers(field, document, f"{where}.{name}", seen)
    if "items" in schema:
        yield from _numbers(schema["items"], document, f"{where}[]", seen)


def _inputs(operation: dict, document: dict) -> Iterator[tuple[str, dict]]:
    for parameter in operation.get("parameters", []):
        yield from _numbers(parameter["schema"], document, parameter["name"], set())
    for content in operation.get("requestBody", {}).get("content", {}).values():
        yield from _numbers(content["schema"], document, "body", set())


def test_every_number_a_client_sends_has_bounds():
    document = _document()
    unbounded = [
        f"{method.upper()} {path} {where}"
        for path, method, operation in _operations(document)
        for where, schema in _inputs(operation, document)
        if not (
            ("minimum" in schema or "exclusiveMinimum" in schema)
            and ("maximum" in schema or "exclusiveMaximum" in schema)
        )
    ]
    assert unbounded == [], "\n".join(unbounded)


def test_every_operation_documents_its_refusals_as_problems():
    document = _document()
    for path, method, operation in _operations(document):
        refusals = {s: r for s, r in operation["responses"].items() if 400 <= int(s) < 500}
        if operation.get("parameters") or operation.get("requestBody"):
            assert 422 in refusals, f"{method} {path}"
        if operation.get("security"):
            assert {401, 403} <= set(refusals), f"{method} {path}"
        for status, response in refusals.items():
            schema = response["content"]["application/problem+json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Problem"}, f"{method} {path} {status}"
