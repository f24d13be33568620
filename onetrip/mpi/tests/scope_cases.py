"""MPI's registrations for the generated scoping test (`core/tests/scoping.py`)."""

from onetrip.core.tests.scoping import Pending

MAKER = "needs a queued possible-duplicate pair of two home patients"

CASES = {
    "POST /api/mpi/queue/{candidate_id}/decision": Pending(MAKER),
    "POST /api/mpi/merges": Pending(MAKER),
    "POST /api/mpi/merges/{merge_id}/undo": Pending(MAKER),
    "GET /api/mpi/patients/{patient_id}/person": Pending(MAKER),
    "staff/mpi/review/<id:candidate_id>": Pending(MAKER),
    "staff/mpi/review/<id:candidate_id>/decide": Pending(MAKER),
}
