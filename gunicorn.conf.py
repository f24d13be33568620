"""How gunicorn serves OneTrip in production (D321). `gunicorn onetrip.wsgi` started from the
repository root reads this file; options on its command line win over it.

ONETRIP_BIND         address to listen on (default 127.0.0.1:8000, behind the TLS proxy)
ONETRIP_WEB_WORKERS  processes (default: two per core)

Sync workers, two per core: one process answers while another waits for PostgreSQL. Threaded
workers with keep-alive (gthread, one process per core, 16 threads) measured no faster at 200
clients on two cores and slower in the tail (docs/benchmarks.md, "D321"): a booking is CPU in
Python, and threads of one process share one interpreter lock. Each worker keeps its database
connection for CONN_MAX_AGE, so a host holds as many connections to PostgreSQL as workers.
"""

import gc
import os

bind = os.environ.get("ONETRIP_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("ONETRIP_WEB_WORKERS", 2 * (os.cpu_count() or 1)))
worker_class = "sync"


def post_worker_init(worker) -> None:
    """Once the worker has imported the application, move its objects (about 350,000: Django,
    the apps, their modules and caches) out of the garbage collector's reach: they live as long
    as the worker, yet each full collection walked them all, a 170 ms pause of one worker every
    few hundred requests. The young collections that free a request's objects are unchanged
    (D322)."""
    gc.freeze()
