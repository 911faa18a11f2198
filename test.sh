#!/usr/bin/env bash
# Run every test: lint, rules, data access on SQLite and PostgreSQL, pages in AppTest,
# and the real-browser tests in Chromium. Installs what it needs on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt

# Debian's Chromium for the browser tests (Playwright cannot download browsers here),
# poppler's pdftotext, which reads the PDF exports back, and LibreOffice, which must
# open the .docx / .xlsx exports (about 40 s to install).
PACKAGES="chromium fonts-dejavu-core poppler-utils libreoffice-writer-nogui libreoffice-calc-nogui"
if [ ! -x /usr/bin/chromium ] || ! command -v pdftotext >/dev/null 2>&1 || ! command -v soffice >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $PACKAGES >/dev/null
  else
    echo "Install Debian's packages for the tests: sudo apt-get install $PACKAGES" >&2
    exit 1
  fi
fi

# A PostgreSQL server for the data-access tests (TEST_POSTGRES_URL, default local trust auth).
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

.venv/bin/ruff check .
# Known vulnerabilities in the installed packages (pip-audit); says "skipped: no network"
# and does not fail when the vulnerability database cannot be reached.
.venv/bin/python tools/dependency_audit.py
.venv/bin/python -m pytest "$@"
