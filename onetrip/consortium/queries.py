from __future__ import annotations

from onetrip.consortium.models import Institution


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
