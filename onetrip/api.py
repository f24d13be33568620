"""The JSON API: one NinjaAPI, one router per domain app. OpenAPI at /api/docs."""

from ninja import NinjaAPI

from onetrip.billing.api import router as billing_router
from onetrip.consortium.api import router as consortium_router
from onetrip.core.api import router as core_router
from onetrip.core.api_security import JsonOnlyParser
from onetrip.core.problems import document_problems, install_problem_handlers
from onetrip.ebills.api import router as ebills_router
from onetrip.emergency.api import router as emergency_router
from onetrip.exams.api import router as exams_router
from onetrip.identity.api import patient_router
from onetrip.identity.api import router as identity_router
from onetrip.inpatient.api import router as inpatient_router
from onetrip.insurance.api import router as insurance_router
from onetrip.journey.api import router as journey_router
from onetrip.metrics.api import router as metrics_router
from onetrip.mpi.api import router as mpi_router
from onetrip.notifications.api import router as notifications_router
from onetrip.prescribing.api import router as prescribing_router
from onetrip.publichealth.api import router as publichealth_router
from onetrip.reports.api import router as reports_router
from onetrip.scheduling.api import router as scheduling_router


class OneTripAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs) -> dict:
        return document_problems(super().get_openapi_schema(*args, **kwargs))


api = OneTripAPI(
    title="OneTrip API",
    version="1",
    description="Hospital and regional patient services for the 'run at most once' reform.",
    urls_namespace="api",
    parser=JsonOnlyParser(),
)
install_problem_handlers(api)
api.add_router("/consortium", consortium_router)
api.add_router("/audit", core_router)
api.add_router("/patients", identity_router)
api.add_router("/me", patient_router)
api.add_router("/scheduling", scheduling_router)
api.add_router("/mpi", mpi_router)
api.add_router("/exams", exams_router)
api.add_router("/reports", reports_router)
api.add_router("/billing", billing_router)
api.add_router("/insurance", insurance_router)
api.add_router("/ebills", ebills_router)
api.add_router("/journey", journey_router)
api.add_router("/notifications", notifications_router)
api.add_router("/metrics", metrics_router)
api.add_router("/prescribing", prescribing_router)
api.add_router("/publichealth", publichealth_router)
api.add_router("/inpatient", inpatient_router)
api.add_router("/emergency", emergency_router)
