#!/usr/bin/env bash
# make bench: run every bench/*.py in turn, each against a fresh database
# with the add-on installed (no demo data), on a throwaway PostgreSQL
# cluster. A script finds its database through ODOO_RC, the path of an Odoo
# config file whose db_name is that database (see bench/README.rst).
# tools/bench.sh NAME...: the same for the scripts bench/NAME.py only, in
# that order; an argument may add the script's options after its name:
#   tools/bench.sh 'invoicing --orders 500' peer_subscription_oca
set -euo pipefail
# shellcheck source=tools/lib.sh
. "$(dirname "$0")/lib.sh"

TEMPLATE=autosales_bench_template
DB=autosales_bench
PG_PORT=54349
OUT=$ROOT/.run/bench

shopt -s nullglob
# One entry per run: the name of the script, then its options.
runs=()
if [ $# -gt 0 ]; then
    for run in "$@"; do
        read -ra words <<<"$run"
        name=${words[0]##*/}
        words[0]=${name%.py}
        case ${words[0]} in _*) die "bench/${words[0]}.py is a helper, not a benchmark" ;; esac
        [ -f "$ROOT/bench/${words[0]}.py" ] || die "no benchmark bench/${words[0]}.py"
        runs+=("${words[*]}")
    done
else
    for script in "$ROOT"/bench/*.py; do
        name=$(basename "$script" .py)
        # bench/_*.py are helpers of the scripts, not benchmarks.
        case $name in _*) ;; *) runs+=("$name") ;; esac
    done
fi
if [ ${#runs[@]} -eq 0 ]; then
    say "no benchmark script in bench/"
    exit 0
fi

require_odoo
# The real set-up: order confirmations and invoices are emailed with PDFs.
ensure_wkhtmltopdf
oca_install "subscription_oca:odoo-addon-subscription-oca>=18.0,<18.1"
ensure_postgres
throwaway_cluster bench "$PG_PORT" "$OUT"
conf_for() {
    write_odoo_conf "$TMP/$1.conf" \
        "db_name = $1" \
        "dbfilter = ^$1\$" \
        "data_dir = $TMP/data" \
        "without_demo = all" \
        "max_cron_threads = 0" \
        "logfile = $OUT/odoo.log"
}
conf_for "$TEMPLATE"
conf_for "$DB"
odoo_install "$TMP/$TEMPLATE.conf" "$TEMPLATE" "$OUT/install.log" "$MODULE" \
    --without-demo=all

psql_admin() {
    PGOPTIONS="-c client_min_messages=warning" "$PG_BIN/psql" -q -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d postgres \
        -v ON_ERROR_STOP=1 -c "$1"
}

failed=0
for run in "${runs[@]}"; do
    read -ra words <<<"$run"
    psql_admin "DROP DATABASE IF EXISTS $DB"
    psql_admin "CREATE DATABASE $DB TEMPLATE $TEMPLATE"
    rm -rf "$TMP/data/filestore/$DB"
    if [ -d "$TMP/data/filestore/$TEMPLATE" ]; then
        cp -a "$TMP/data/filestore/$TEMPLATE" "$TMP/data/filestore/$DB"
    fi
    say "bench/${words[0]}.py${words[1]:+ ${words[*]:1}}"
    ODOO_RC=$TMP/$DB.conf "$PYTHON" "$ROOT/bench/${words[0]}.py" "${words[@]:1}" \
        || { failed=1; say "failed: bench/$run"; }
done
[ $failed -eq 0 ] || die "some benchmarks failed (Odoo log: $OUT/odoo.log)"
