"""The API and FHIR doors are resolved first (D243); that changes no answer only while no other
pattern starts with "api/" or "fhir/" and no name is shared across the two groups."""

from django.urls import get_resolver

MACHINE_DOORS = ("api/", "fhir/")


def _patterns(resolver, prefix="", namespace=""):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if hasattr(pattern, "url_patterns"):
            inner = f"{namespace}:{pattern.namespace}" if pattern.namespace else namespace
            yield from _patterns(pattern, route, inner)
        else:
            yield route, f"{namespace}:{pattern.name}" if pattern.name else None


def test_no_page_pattern_could_answer_a_machine_door_path():
    patterns = list(_patterns(get_resolver()))
    doors = [(route, name) for route, name in patterns if route.startswith(MACHINE_DOORS)]
    pages = [(route, name) for route, name in patterns if not route.startswith(MACHINE_DOORS)]
    assert doors
    assert pages
    assert [route for route, _ in pages if route.startswith(("api", "fhir", "<", "^"))] == []
    assert {name for _, name in doors if name} & {name for _, name in pages if name} == set()
