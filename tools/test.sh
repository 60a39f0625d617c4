#!/usr/bin/env bash
# make test: a throwaway PostgreSQL cluster and a fresh database with the
# add-on installed, then the add-on's tests with pytest-odoo, browser tours
# included. The cluster is removed on exit, whatever happens.
# make test-slow (tools/test.sh --slow): the same, for the slow tests only
# (tests/test_slow_*.py, skipped by make test): the multi-process tests at
# full scale, and the generation over OCA queue_job, which is installed
# (from PyPI) into that test database only.
set -euo pipefail
# shellcheck source=tools/lib.sh
. "$(dirname "$0")/lib.sh"

DB=autosales_test
PG_PORT=54339
# Not 8069, so that tests never clash with a running `make run`.
# (pytest-odoo binds its own free port for the HttpCase server anyway.)
HTTP_PORT=8169
OUT=$ROOT/.run/test

tests=("$MODULE/tests")
modules=$MODULE,payment_demo
slow=
if [ "${1:-}" = --slow ]; then
    slow=1
    export AUTOSALES_SLOW_TESTS=1
    tests=("$MODULE"/tests/test_slow_*.py)
    OUT=$ROOT/.run/test-slow
fi

require_odoo
ensure_wkhtmltopdf
# The PDF tests read the text of the PDFs they render.
command -v pdftotext >/dev/null || apt_install poppler-utils
pip_install pytest_odoo:pytest-odoo==2.3.0 websocket:websocket-client
if [ -n "$slow" ]; then
    # The optional scale-out over OCA queue_job is tested here only.
    oca_install "queue_job:odoo-addon-queue-job>=18.0,<18.1"
    EXTRA_ADDONS=$(oca_addons_dir queue_job)
    modules=$modules,queue_job
fi
ensure_chromium
ensure_postgres
# Durability is useless for a database that lives a few minutes.
throwaway_cluster test "$PG_PORT" "$OUT" \
    "fsync = off" "synchronous_commit = off" "full_page_writes = off"
write_odoo_conf "$TMP/odoo.conf" \
    "db_name = $DB" \
    "dbfilter = ^$DB\$" \
    "data_dir = $TMP/data" \
    "http_interface = 127.0.0.1" \
    "http_port = $HTTP_PORT" \
    "without_demo = all" \
    "screenshots = $OUT" \
    "max_cron_threads = 0"

odoo_install "$TMP/odoo.conf" "$DB" "$OUT/install.log" "$modules" \
    --without-demo=all

say "running the tests (Odoo log: $OUT/odoo.log)"
cd "$ROOT"
rc=0
"$PYTHON" -m pytest "${tests[@]}" --rootdir "$ROOT" -p no:cacheprovider \
    --odoo-config "$TMP/odoo.conf" --odoo-database "$DB" --odoo-http \
    --odoo-log-level info --odoo-extra "logfile=$OUT/odoo.log" || rc=$?

case $rc in
    0) ;;
    5) die "pytest collected no test" ;;
    *) die "tests failed (pytest exit code $rc; Odoo log and screenshots in $OUT)" ;;
esac
