"""The production web server (D321): gunicorn started from the repository root reads its
gunicorn.conf.py, so production serves on the configured address with the configured workers
without restating them on the command line."""

import gc
import http.client
import os
import runpy
import socket
import subprocess
import sys
import time
from pathlib import Path

import onetrip

ROOT = Path(onetrip.__file__).parent.parent
STYLESHEET = "/static/css/onetrip.css"  # served without the database


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answer_when_up(port: int, server: subprocess.Popen) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, server.communicate()[1]
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", STYLESHEET)
            status = conn.getresponse().status
            conn.close()
            return status
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not come up")


def test_the_production_server_serves_on_the_configured_address_with_its_workers(tmp_path):
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),  # its control socket, apart from any other gunicorn's
        "ONETRIP_DEMO": "1",
        "ONETRIP_VAR_DIR": str(tmp_path),
        "ONETRIP_BIND": f"127.0.0.1:{port}",
        "ONETRIP_WEB_WORKERS": "3",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "onetrip.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert answer_when_up(port, server) == 200
        workers = subprocess.run(
            ["pgrep", "-P", str(server.pid)], capture_output=True, text=True
        ).stdout.split()
        assert len(workers) == 3
    finally:
        server.terminate()
        log = server.communicate(timeout=30)[1]
    assert "Using worker: sync" in log


def test_a_worker_keeps_the_imported_application_out_of_full_garbage_collections():
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    try:
        config["post_worker_init"](worker=None)
        # Django and the apps, already imported here, are past the collector's reach.
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
