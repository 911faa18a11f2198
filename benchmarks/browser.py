"""The one launcher of a Streamlit server and of Debian's Chromium, shared by the benchmark
(`benchmarks/run.py`) and the real-browser tests (`tests/browser/conftest.py`), so both
measure and test the same server started the same way."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # WebGL (pydeck) in headless Chromium needs SwiftShader explicitly since Chrome 144.
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]
# The app is shown and idle: Streamlit marks its root once the script has finished running.
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# Streamlit draws a grey placeholder while a widget's code is still loading (React.lazy):
# on a busy machine the script has finished but the menu and the buttons are not there yet.
NO_PLACEHOLDER = """() => !document.querySelector('[data-testid="stSkeleton"]')"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StreamlitServer:
    """`streamlit run <script>` (app.py, or server.py as `./run.sh` does) on a free port in a
    subprocess, its output in `<log_dir>/server-<port>.log`; returns once it answers its
    health check, raises if it exits or does not answer within `start_s` seconds."""

    def __init__(
        self,
        db_url: str,
        log_dir: Path,
        env: dict[str, str] | None = None,
        script: str = "app.py",
        start_s: float = 30,
        stop_s: float = 10,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.stop_s = stop_s
        full_env = {**os.environ, "DATABASE_URL": db_url, **(env or {})}
        self.log = open(log_dir / f"server-{self.port}.log", "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=REPO, env=full_env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.time() + start_s
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited early; see {self.log.name}")
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=1) as resp:
                    if resp.read() == b"ok":
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"streamlit did not become healthy in {start_s:.0f} s; see {self.log.name}")

    def rss_mb(self) -> float:
        """The server's resident memory, in MiB (Linux)."""
        text = Path(f"/proc/{self.proc.pid}/status").read_text()
        kb = next(int(line.split()[1]) for line in text.splitlines() if line.startswith("VmRSS:"))
        return kb / 1024

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(self.stop_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
