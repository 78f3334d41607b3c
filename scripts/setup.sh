#!/usr/bin/env bash
# Sets up Semantic Finder on Debian/Ubuntu: system libraries for Qt, fonts, a .venv with the app.
#   scripts/setup.sh          the app
#   scripts/setup.sh --test   the app and everything the test suite needs
set -euo pipefail
cd "$(dirname "$0")/.."
with_tests=0
[ "${1:-}" = "--test" ] && with_tests=1

apt_pkgs=(python3 python3-venv python3-pip
  libgl1 libegl1 libfontconfig1 libxkbcommon0 libglib2.0-0 libdbus-1-3
  libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-render-util0 libxcb-shape0 libxcb-randr0 libxcb-xinerama0 libxcb-xfixes0
  fonts-wqy-microhei xvfb xauth desktop-file-utils xdg-utils)
# The tests also drive a real X server for the global hotkey.
[ $with_tests = 1 ] && apt_pkgs+=(xdotool)
missing=()
if command -v dpkg-query >/dev/null; then
  for p in "${apt_pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: please install these system packages: ${missing[*]}" >&2
  fi
fi

py=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
if [ $with_tests = 1 ]; then
  .venv/bin/python -m pip install -q -e ".[test]"
else
  .venv/bin/python -m pip install -q -e .
fi
echo "setup: done ($(.venv/bin/finder --version))"
