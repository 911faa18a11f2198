"""`./run.sh` starts the app for this machine only unless told otherwise (issue 16)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _outside_address() -> str | None:
    """An address of this machine that is not loopback (what a neighbour would connect to)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))  # no packet is sent; picks the outgoing interface
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def test_run_sh_listens_on_loopback_only(tmp_path):
    outside = _outside_address()
    if outside is None:
        pytest.skip("this machine has no address other than loopback")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'app.db'}"
    proc = subprocess.Popen(
        ["bash", str(REPO / "run.sh"), "--server.port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not _reachable("127.0.0.1", port):
            assert proc.poll() is None, "run.sh stopped before the app started"
            assert time.monotonic() < deadline, "the app did not start in 120 s"
            time.sleep(0.5)
        assert not _reachable(outside, port), f"the app answers on {outside}, not only on this machine"
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=20)
