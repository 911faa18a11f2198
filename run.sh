#!/usr/bin/env bash
# Set up (first time) and start the dashboard on the embedded database with the sample
# district. Open http://localhost:8501 . Extra arguments go to `streamlit run`.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
exec .venv/bin/python -m streamlit run app.py "$@"
