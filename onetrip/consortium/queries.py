from __future__ import annotations

from collections.abc import Iterable

from onetrip.consortium.models import Clinic, Institution


def institution_subtree_ids(root_id: int | None) -> list[int]:
    """The institution and every institution below it in the consortium."""
    if root_id is None:
        return []
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Institution.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, frontier = [], [root_id]
    while frontier:
        current = frontier.pop()
        found.append(current)
        frontier.extend(children.get(current, []))
    return found


def clinics_in(institution_ids: Iterable[int], *, department_id: int | None = None):
    """The consulting rooms (clinics) of the institutions, or of one of their departments."""
    clinics = Clinic.objects.filter(department__institution_id__in=list(institution_ids))
    if department_id is not None:
        clinics = clinics.filter(department_id=department_id)
    return clinics.select_related("department").order_by("department_id", "name")


def clinic_count(institution_ids: Iterable[int], *, department_id: int | None = None) -> int:
    return clinics_in(institution_ids, department_id=department_id).count()


def institution_ids_at(levels: Iterable[str]) -> list[int]:
    """The institutions of these levels (e.g. the primary-care ones), for the indicators."""
    return list(Institution.objects.filter(level__in=list(levels)).values_list("pk", flat=True))


def institutions_at_levels(levels: Iterable[str]):
    """The ids of the institutions of these levels, as a subquery."""
    return Institution.objects.filter(level__in=list(levels)).values("pk")
