#!/usr/bin/env bash
# Set FluoroDesk up in ./.venv on Debian or Ubuntu: the system libraries Qt needs, then the Python packages.
#   scripts/setup.sh          the app
#   scripts/setup.sh --test   the app plus the test, lint and packaging tools (PyInstaller, NSIS's makensis)
#                             and the PDF checkers the tests use
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
packages="libglib2.0-0 libegl1 libgl1 libfontconfig1 libfreetype6 libx11-6 libxkbcommon0 libdbus-1-3 fonts-dejavu-core"
# Qt's X11 (xcb) platform plugin, for a real window on a Linux desktop; tests run offscreen without
# them, so a distribution that names them differently only gets a warning.
desktop="libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0"
desktop="$desktop libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0"
if [ "${1:-}" = "--test" ]; then
  extras="[test,dev,build]"
  # binutils: objdump, which PyInstaller needs; zbar-tools: zbarimg, which reads the labels' QR codes back
  packages="$packages poppler-utils qpdf nsis binutils zbar-tools"
  # PyInstaller bundles the Python shared library: Debian's python3 does not install it (libpython3.X).
  if [ "$(command -v python3)" = /usr/bin/python3 ]; then
    packages="$packages libpython$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  fi
fi
python3 -c 'import ensurepip, venv' 2>/dev/null || packages="$packages python3-venv"

if command -v dpkg-query >/dev/null 2>&1; then
  missing=""
  for package in $packages; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing="$missing $package"
  done
  missing_desktop=""
  for package in $desktop; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing_desktop="$missing_desktop $package"
  done
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if [ -n "$missing$missing_desktop" ]; then
    $sudo apt-get update -qq
  fi
  if [ -n "$missing" ]; then
    echo "Installing system packages:$missing"
    # shellcheck disable=SC2086
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
  fi
  if [ -n "$missing_desktop" ]; then
    echo "Installing the X11 window libraries:$missing_desktop"
    # shellcheck disable=SC2086
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing_desktop \
      || echo "warning: the X11 window libraries were not installed (a window on a Linux desktop needs them)"
  fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".$extras"
echo "FluoroDesk is installed in .venv"
