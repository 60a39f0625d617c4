#!/usr/bin/env bash
# make run: serve a demo database with the add-on on http://localhost:8069.
# The first run creates the database (demo data, admin/admin); later runs
# reuse it and upgrade the add-on; `tools/run.sh fresh` (make run-fresh)
# drops it first, to load the demo data anew. `tools/run.sh stop` (make stop)
# stops the private PostgreSQL cluster.
#
# The database lives in a private cluster in .run/ (unix socket only, port
# 54329; see pg_home), unless PGHOST, PGPORT, PGUSER or PGPASSWORD name a
# server to use.
set -euo pipefail
# shellcheck source=tools/lib.sh
. "$(dirname "$0")/lib.sh"

DB=${AUTOSALES_DB:-autosales_demo}
HTTP_PORT=${AUTOSALES_HTTP_PORT:-8069}
PG_PORT=54329
RUN=$ROOT/.run

# Directory of the cluster: .run/, unless the postgres user cannot reach it
# (a checkout under /root, say), then one named after the checkout.
pg_home() {
    if pg_can_reach "$ROOT"; then
        echo "$RUN"
    else
        echo "/var/tmp/autosales-pg-$(printf %s "$ROOT" | md5sum | cut -c1-12)"
    fi
}

use_pg_env() {
    [ -n "${PGHOST:-}${PGPORT:-}${PGUSER:-}${PGPASSWORD:-}" ]
}

# announce_when_ready URL: once Odoo answers, say where and who to log in as.
announce_when_ready() {
    local url=$1
    for _ in $(seq 600); do
        if "$PYTHON" -c "import sys, urllib.request
urllib.request.urlopen(sys.argv[1] + '/web/login', timeout=2)" "$url" 2>/dev/null; then
            say "ready: $url
    admin / admin    administrator (Sales, Inventory, settings)
    demo / demo      salesperson
    portal / portal  webshop and portal customer ($url/shop, $url/my/standing-orders)"
            return 0
        fi
        sleep 1
    done
}

if [ "${1:-}" = stop ]; then
    PG_HOME=$(pg_home)
    if [ -f "$PG_HOME/pgdata/PG_VERSION" ] && pg_running "$PG_HOME/pgdata"; then
        ensure_postgres
        pg_stop "$PG_HOME/pgdata"
        say "PostgreSQL cluster in $PG_HOME/pgdata stopped"
    else
        say "PostgreSQL cluster in $PG_HOME/pgdata is not running"
    fi
    exit 0
fi

require_odoo
ensure_wkhtmltopdf
mkdir -p "$RUN"
if use_pg_env; then
    say "using the PostgreSQL server named by the PG* variables"
    DB_HOST=${PGHOST:-} DB_PORT=${PGPORT:-} DB_USER=${PGUSER:-} DB_PASSWORD=${PGPASSWORD:-}
else
    ensure_postgres
    PG_HOME=$(pg_home)
    [ "$PG_HOME" = "$RUN" ] || say "the postgres user cannot reach $ROOT: cluster in $PG_HOME"
    pg_start "$PG_HOME/pgdata" "$PG_HOME" "$PG_PORT"
fi
write_odoo_conf "$RUN/odoo.conf" \
    "db_name = $DB" \
    "dbfilter = ^$DB\$" \
    "data_dir = $RUN/data" \
    "http_port = $HTTP_PORT"

if [ "${1:-}" = fresh ]; then
    # Demo records loaded once are not reloaded by an upgrade: start over.
    say "dropping database $DB and its files"
    "$PYTHON" - "$RUN/odoo.conf" "$DB" <<'EOF'
import shutil
import sys

import odoo
from odoo.tools import SQL

config, name = odoo.tools.config, sys.argv[2]
config.parse_config(["--config", sys.argv[1]])
with odoo.sql_db.db_connect("postgres").cursor() as cr:
    cr._cnx.autocommit = True
    cr.execute(SQL("DROP DATABASE IF EXISTS %s", SQL.identifier(name)))
shutil.rmtree(config.filestore(name), ignore_errors=True)
EOF
    shift
fi

if [ "$(odoo_module_state "$RUN/odoo.conf" "$MODULE")" = installed ]; then
    say "reusing database $DB, upgrading $MODULE"
    set -- --update "$MODULE"
else
    # Also resumes a first run that was interrupted.
    trap 'kill_child; exit 130' INT
    trap 'kill_child; exit 143' TERM
    odoo_install "$RUN/odoo.conf" "$DB" "$RUN/install.log" "$MODULE,payment_demo"
    "$PYTHON" -m odoo shell --config "$RUN/odoo.conf" --no-http --log-level warn \
        >/dev/null <<'EOF'
env.ref("base.user_admin").password = "admin"
env.cr.commit()
EOF
    trap - INT TERM
    set --
fi
say "starting Odoo on port $HTTP_PORT (log below; Ctrl-C to stop)"
announce_when_ready "http://localhost:$HTTP_PORT" &
exec "$PYTHON" -m odoo --config "$RUN/odoo.conf" "$@"
