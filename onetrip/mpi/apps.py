from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MpiConfig(AppConfig):
    name = "onetrip.mpi"
    label = "mpi"
    verbose_name = _("Master patient index")

    def ready(self) -> None:
        from onetrip.identity import fhir_views as identity_fhir
        from onetrip.identity import services as identity
        from onetrip.mpi import legacy, services

        # Every registration and every change of a record's name, phone or address is filed
        # in the index in the same transaction (R-ID-2); identity imports nothing of mpi.
        identity.when_registered(services.index_patient)
        identity.when_changed(services.reindex_patient)
        # FHIR Patient?identifier=<source system URI>|<source record id> (IHE PIX, issue 17).
        identity_fhir.when_resolving_identifier(legacy.patients_of_source_identifier)
