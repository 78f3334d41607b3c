#!/usr/bin/env bash
# Starts the desktop app; on a machine without a display it runs under a virtual X server.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ] || [ -n "${QT_QPA_PLATFORM:-}" ]; then
  exec .venv/bin/python -m finder "$@"
fi
echo "run: no display found; starting the app under xvfb-run (screenshots: see docs/)" >&2
exec xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python -m finder "$@"
