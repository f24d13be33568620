from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.urls import register_converter


class CoreConfig(AppConfig):
    name = "onetrip.core"
    label = "core"
    verbose_name = "OneTrip core"

    def ready(self) -> None:
        from onetrip.core import roles
        from onetrip.core.converters import IdConverter

        # Page addresses name objects with `<id:...>`, bounded like every id (core.bounds).
        register_converter(IdConverter, "id")

        # Infrastructure, not business logic: keep the role groups in step with the code.
        post_migrate.connect(roles.sync_role_groups_after_migrate, dispatch_uid="onetrip-roles")
