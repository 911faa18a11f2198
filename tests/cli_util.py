"""The command line as a person runs it: `python -m data_access …` in a fresh process, the
database named by DATABASE_URL, what it prints captured as text (one runner for every test
of a command)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run_cli(
    *args: str,
    db_url: str | None = None,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    if db_url:
        full_env["DATABASE_URL"] = db_url
    return subprocess.run(
        [sys.executable, "-m", "data_access", *args],
        cwd=REPO,
        env=full_env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
