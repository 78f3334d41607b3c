#!/usr/bin/env bash
# Builds the one-folder bundle dist/semantic-finder/ (Linux) from a clean clone:
#   bash packaging/build.sh
# Then: dist/semantic-finder/semantic-finder            (the desktop app)
#       dist/semantic-finder/semantic-finder search …   (the command line)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash scripts/setup.sh
.venv/bin/python -m pip install -q "pyinstaller>=6,<7"
.venv/bin/python -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/semantic-finder.spec
echo "built dist/semantic-finder ($(du -sh dist/semantic-finder | cut -f1))"
