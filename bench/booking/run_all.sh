#!/usr/bin/env bash
# The whole booking bench in one go (about 10 minutes), on a seeded bench database:
#
#   export DATABASE_URL=postgres://postgres@127.0.0.1:5433/onetrip_bench
#   bench/booking/run_all.sh            # RUNS=3 for three release-rush runs (about 6 minutes more)
#
# 1. release_rush.py: HTTP closed loop (200 clients, gunicorn with production settings), its
#    database checks, then pgbench with the raw statement and pgbench calling scheduling_book;
# 2. open_loop.py: bookings arriving at 50/s and 150/s, p50/p95/p99 and the same checks;
# 3. profile_booking.py: CPU and statements per booking, and the slot-list read;
# 4. summary.py: the figures and the one-line summary for docs/benchmarks.md.
# Stops at the first failure. Full results: var/bench-booking-*.json, log var/bench-run-all.log.
# SMOKE=1 runs every step tiny (20 clients, seconds not minutes, fits max_connections=100) to
# check the script on a busy machine; its figures mean nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${DATABASE_URL:?set DATABASE_URL to the seeded bench database (see bench/booking/README.md)}"
PY=.venv/bin/python
RUNS=${RUNS:-1}
LOG=var/bench-run-all.log
mkdir -p var
if [ -n "${SMOKE:-}" ]; then
    RUSH=(--clients 20 --rush-clients 10 --duration 10 --pgbench-seconds 5 --pgbench-clients 8)
    OPEN=(--rates 10,20 --seconds 5)
    PROFILE=(--bookings 30 --reads 30)
else
    RUSH=(--duration 60 --pgbench-seconds 15 --pgbench-clients 200)
    OPEN=(--rates 50,150 --seconds 30)
    PROFILE=(--bookings 300 --reads 300)
fi
{
    echo "== $(date -u '+%Y-%m-%d %H:%M UTC') load: $(cut -d' ' -f1-3 /proc/loadavg), runs: $RUNS"
    git log -1 --format='commit %h %s'
    $PY bench/booking/release_rush.py --runs "$RUNS" "${RUSH[@]}"
    $PY bench/booking/open_loop.py "${OPEN[@]}"
    $PY bench/booking/profile_booking.py "${PROFILE[@]}"
    $PY bench/booking/summary.py
} 2>&1 | tee -a "$LOG"
