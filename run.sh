#!/usr/bin/env bash
# Set up (first time) and start the dashboard on the embedded database with both samples
# (the 2024 districts and the post-reform Bắc Ninh province); it opens the plan of this
# year (2026: Bắc Ninh). Open http://localhost:8501 . Extra arguments go to `streamlit run`.
# The first run creates .venv and installs the requirements: it takes a few minutes,
# and pip shows its progress so that a person sees it is working.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/python ]; then
  if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "Cần Python 3.11 trở lên (python3 --version: $(python3 --version 2>&1 || echo 'không có'))." >&2
    echo "Python 3.11 or newer is needed." >&2
    exit 1
  fi
  echo "Lần chạy đầu: tạo môi trường .venv và cài đặt thư viện, mất vài phút… / First run: installing, this takes a few minutes…"
  if ! python3 -m venv .venv; then
    echo "Không tạo được .venv: hãy cài gói venv của Python (Debian/Ubuntu: sudo apt install python3-venv)." >&2
    echo "Could not create .venv: install Python's venv package (Debian/Ubuntu: sudo apt install python3-venv)." >&2
    exit 1
  fi
fi
# Install when requirements.txt changed since the last install (or never was): with
# pip's progress, since the first install downloads for minutes. Otherwise start at once.
if [ ! -f .venv/.installed ] || [ requirements.txt -nt .venv/.installed ]; then
  .venv/bin/python -m pip install --disable-pip-version-check --progress-bar on -r requirements.txt
  touch .venv/.installed
fi
# Only this machine can reach the app unless told otherwise (STREAMLIT_SERVER_ADDRESS=0.0.0.0
# or --server.address, behind a proxy with logins on): with AUTH_MODE=none anyone who can
# reach the port could import figures. server.py is app.py plus the routes that keep a
# login across reloads and new tabs (an HttpOnly cookie).
# A configuration that must not be served (logins on without a real APP_SECRET, no login
# on a real database) stops here with the reason, before anything listens.
.venv/bin/python -c 'import sys; from data_access.auth import startup_refusal; m = startup_refusal(); m and sys.exit(m)'
exec .venv/bin/python -m streamlit run server.py --server.address "${STREAMLIT_SERVER_ADDRESS:-127.0.0.1}" "$@"
