from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsortiumConfig(AppConfig):
    name = "onetrip.consortium"
    label = "consortium"
    verbose_name = _("Consortium")

    def ready(self) -> None:
        from onetrip.consortium.queries import institution_subtree_ids
        from onetrip.core import audit_queries

        # The audit trail's reader (in core, which imports no domain app) asks consortium for
        # the institutions below an auditor's own.
        audit_queries.read_subtrees_with(institution_subtree_ids)
