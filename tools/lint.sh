#!/usr/bin/env bash
# make lint: ruff (lint and format), pylint-odoo and the OCA module and PO
# checks, from a virtualenv in .run/lint-venv that is (re)built from PyPI
# when tools/lint-requirements.txt changes. Every check runs; any finding
# fails.
set -euo pipefail
# shellcheck source=tools/lib.sh
. "$(dirname "$0")/lib.sh"

VENV=$ROOT/.run/lint-venv
REQUIREMENTS=$ROOT/tools/lint-requirements.txt

if ! cmp -s "$REQUIREMENTS" "$VENV/requirements.txt"; then
    say "installing the linters into $VENV"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV" \
        || die "could not create a virtualenv; on Debian: sudo apt-get install -y python3-venv"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQUIREMENTS"
    cp "$REQUIREMENTS" "$VENV/requirements.txt"
fi

cd "$ROOT"
shopt -s nullglob globstar
python_files=(conftest.py bench/*.py tools/*.py)
po_files=("$MODULE"/i18n/*.po "$MODULE"/i18n/*.pot)

failed=()
check() {
    local name=$1
    shift
    say "$name"
    "$@" || failed+=("$name")
}
check "ruff check" "$VENV/bin/ruff" check --no-fix .
check "ruff format" "$VENV/bin/ruff" format --check .
check "pylint-odoo" "$VENV/bin/pylint" --rcfile=.pylintrc "$MODULE" "${python_files[@]}"
check "oca-checks-odoo-module" "$VENV/bin/oca-checks-odoo-module" "$MODULE"
if [ ${#po_files[@]} -gt 0 ]; then
    check "oca-checks-po" "$VENV/bin/oca-checks-po" --disable=po-pretty-format "${po_files[@]}"
else
    say "oca-checks-po: no .po or .pot file yet"
fi

[ ${#failed[@]} -eq 0 ] || die "lint failed: ${failed[*]}"
say "lint clean"
