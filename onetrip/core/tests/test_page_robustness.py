"""Bad input gets a clear error, never a 500, on pages too: every URL pattern of the URL
configuration (staff desks, patient phone pages, kiosks, FHIR, the admin), opened anonymously,
by a member of staff who may do everything and by a patient, with ids no database can hold, and
every query parameter the page reads given absurd dates, huge numbers and garbage. Runs on
SQLite (`make test`) and PostgreSQL (CI): an overflow is a database's own way to fail."""

from __future__ import annotations

import inspect
import re
from collections import Counter
from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# Past SQLite's and PostgreSQL's bigint, past any int64, and a plain absurd number.
HUGE_IDS = [str(2**63), str(2**64), str(10**30), "0"]
# What a page's query parameters get: dates no calendar arithmetic survives, numbers past
# every integer column, text where numbers go, NUL (PostgreSQL refuses it in text), and
# full-width digits that str.isdigit() accepts but int() may not.
BAD_QUERY_VALUES = [
    "0001-01-01",
    "9999-12-31",
    "２０２６-１３-４０",
    str(2**63),
    "-1",
    "x",
    "\x00",
]
CONVERTER = re.compile(r"<(?:(?P<kind>\w+):)?(?P<name>\w+)>")
READS_QUERY = re.compile(r"""GET(?:\.get|\.getlist|\[)\(?["'](\w+)["']""")
GET_FORM = re.compile(r"<form(?![^>]*method=\"post\")[^>]*>(.*?)</form>", re.S | re.I)
FORM_FIELD = re.compile(r"""<(?:input|select|textarea)[^>]*\bname="([\w-]+)\"""")
SKIPPED_PREFIXES = ("api/", "static/", "i18n/")


def _patterns(patterns=None, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, route)
        elif not route.startswith(SKIPPED_PREFIXES) and not route.startswith("^"):
            yield route, entry


def _url(route: str, value: str) -> str:
    return "/" + CONVERTER.sub(lambda match: value, route)


def _query_names(pattern: URLPattern) -> set[str]:
    """The query parameters the view reads by name in its source."""
    try:
        source = inspect.getsource(inspect.unwrap(pattern.callback))
    except (OSError, TypeError):
        return set()
    return set(READS_QUERY.findall(source))


def _check(response, what: str, seen: Counter, failures: list[str]) -> None:
    if response.status_code >= 500:
        failures.append(f"{what}: {response.status_code}")
    seen[response.status_code] += 1


def test_every_page_answers_absurd_ids_and_query_parameters_without_a_server_error(world):
    seen, pages, failures = Counter(), 0, []
    for route, pattern in _patterns():
        pages += 1
        takes_ids = bool(CONVERTER.search(route))
        # Django's own admin gets the absurd ids, not a fuzz of its changelist filters.
        admin = route.startswith("admin/")
        clients = {"staff": world.staff} if admin else world.clients()
        for who, client in clients.items():
            base = _url(route, "1")
            response = client.get(base)
            _check(response, f"{who} GET {base}", seen, failures)
            if takes_ids:
                for value in HUGE_IDS:
                    url = _url(route, value)
                    _check(client.get(url), f"{who} GET {url}", seen, failures)
            if admin or response.status_code != 200:
                continue  # the query is fuzzed as whoever may open the page
            names = _query_names(pattern)
            if response.get("Content-Type", "").startswith("text/html"):
                for form in GET_FORM.findall(response.content.decode()):
                    names |= set(FORM_FIELD.findall(form))
            names -= {"csrfmiddlewaretoken"}
            for name in sorted(names):
                for value in BAD_QUERY_VALUES:
                    _check(
                        client.get(base, {name: value}),
                        f"{who} GET {base}?{name}={value!r}",
                        seen,
                        failures,
                    )
    assert not failures, "\n".join(failures)
    # The walk reached the pages and their parameters, not only the sign-in doors.
    assert pages > 80
    assert seen[200] > 300, seen
    assert seen[404] > 100, seen
