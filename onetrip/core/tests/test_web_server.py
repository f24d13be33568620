"""The production web server (D321): gunicorn started from the repository root with its
gunicorn.conf.py keeps a client's connection open between requests, where the sync worker
closed it after every answer, so a phone or the TLS proxy does not pay a new connection for
each request."""

import http.client
import os
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


def connect_when_up(port: int, server: subprocess.Popen) -> http.client.HTTPConnection:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, server.communicate()[1]
        try:
            socket.create_connection(("127.0.0.1", port), timeout=10).close()
        except OSError:
            time.sleep(0.2)
            continue
        return http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    raise AssertionError("gunicorn did not come up")


def test_the_production_server_keeps_a_connection_open_between_requests(tmp_path):
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),  # its control socket, apart from any other gunicorn's
        "ONETRIP_DEMO": "1",
        "ONETRIP_VAR_DIR": str(tmp_path),
        "ONETRIP_BIND": f"127.0.0.1:{port}",
        "ONETRIP_WEB_WORKERS": "1",
        "ONETRIP_WEB_THREADS": "2",
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
        conn = connect_when_up(port, server)
        conn.request("GET", STYLESHEET)
        first = conn.getresponse()
        first.read()
        kept = conn.sock
        assert kept is not None
        conn.request("GET", STYLESHEET)
        second = conn.getresponse()
        second.read()

        assert (first.status, second.status) == (200, 200)
        assert first.getheader("Connection") == "keep-alive"
        assert conn.sock is kept  # both answers came on one connection
        conn.close()
    finally:
        server.terminate()
        server.communicate(timeout=30)
