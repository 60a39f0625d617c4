#!/usr/bin/env bash
# make screenshots: PNGs of the main screens of the add-on, taken in headless
# Chromium from the server of `make run`, which must be running (see
# tools/screenshots.py). Arguments are passed to it.
set -euo pipefail
# shellcheck source=tools/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${CHROMIUM:-}" ] || ensure_chromium
# The Python package only: it drives the system's Chromium, so no browser is
# downloaded (no `playwright install`).
pip_install playwright:playwright
exec "$PYTHON" "$ROOT/tools/screenshots.py" "$@"
