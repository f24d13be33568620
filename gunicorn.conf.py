"""How gunicorn serves OneTrip in production (D321). `gunicorn onetrip.wsgi` started from the
repository root reads this file; options on its command line win over it.

ONETRIP_BIND         address to listen on (default 127.0.0.1:8000, behind the TLS proxy)
ONETRIP_WEB_WORKERS  processes (default: one per core)
ONETRIP_WEB_THREADS  request threads in each process (default 16)

Threaded workers keep a client's connection open between requests (HTTP keep-alive): the sync
worker closes it after every answer, so each request paid a new TCP connection on both ends, and
four sync workers left the cores idle while each waited for PostgreSQL's commit. One process
per core, each with threads that overlap those waits, measured faster at 200 clients on two
cores (docs/benchmarks.md, "D321"). Every thread keeps its own database connection for
CONN_MAX_AGE, so a host holds workers × threads connections to PostgreSQL.
"""

import os

bind = os.environ.get("ONETRIP_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("ONETRIP_WEB_WORKERS", os.cpu_count() or 1))
worker_class = "gthread"
threads = int(os.environ.get("ONETRIP_WEB_THREADS", "16"))
# Seconds an idle client connection stays open: a phone between taps, the TLS proxy's pool.
keepalive = 5
