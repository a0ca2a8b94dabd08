#!/usr/bin/env bash
# Set up and start the dashboard on the default database (data/tracker.duckdb, built on first run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_venv.sh requirements.txt
exec .venv/bin/streamlit run dashboard.py --server.headless true --browser.gatherUsageStats false \
  "$@"
