"""Dependency audit for ./test.sh: known vulnerabilities in the installed packages.

Runs `pip-audit` (from PyPI, in requirements-dev.txt) on the project's virtual
environment. It needs the vulnerability database (the PyPI JSON API or OSV); when that
cannot be reached — an offline machine, a registry mirror without the JSON API — the
audit says "skipped: no network" and does not fail the test run. A vulnerability it
does find fails the run (exit 1) with the package, version and advisory.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


def main() -> int:
    tool = shutil.which("pip-audit", path=str(VENV_BIN)) or shutil.which("pip-audit")
    if tool is None:
        print("dependency audit: skipped: pip-audit is not installed")
        return 0
    try:
        run = subprocess.run(
            [tool, "--local", "--format", "json", "--progress-spinner", "off"],
            capture_output=True,
            text=True,
            timeout=300,
        )
    except subprocess.TimeoutExpired:
        print("dependency audit: skipped: no network (pip-audit timed out)")
        return 0
    try:
        report = json.loads(run.stdout or "{}")
    except json.JSONDecodeError:
        report = {}
    deps = report.get("dependencies") or []
    if not deps:
        reason = (run.stderr.strip().splitlines() or ["no answer"])[-1][:200]
        print(f"dependency audit: skipped: no network ({reason})")
        return 0
    audited = [d for d in deps if "skip_reason" not in d]
    found = [(d["name"], d.get("version", "?"), v) for d in audited for v in d.get("vulns") or []]
    if found:
        print(f"dependency audit: {len(found)} known vulnerabilities:")
        for name, version, vuln in found:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            print(f"  {name} {version}: {vuln.get('id')} (fixed in {fixes})")
        return 1
    if not audited:
        print(f"dependency audit: skipped: no network (vulnerability database not reachable; {len(deps)} packages)")
        return 0
    skipped = len(deps) - len(audited)
    print(f"dependency audit: no known vulnerabilities in {len(audited)} packages ({skipped} not auditable)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
