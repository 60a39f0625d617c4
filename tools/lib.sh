# shellcheck shell=bash
# Helpers sourced by the tools/*.sh scripts: prerequisites (Odoo, Debian and
# Python packages), a private PostgreSQL cluster and Odoo config files.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
# The Python a new virtual environment for Odoo is made with.
BASE_PYTHON=$PYTHON
# Where Odoo is installed when PYTHON cannot import it (see require_odoo).
VENV=${AUTOSALES_VENV:-$ROOT/.venv}
ODOO_GIT_URL=https://github.com/odoo/odoo.git
ODOO_BRANCH=18.0
# shellcheck disable=SC2034  # used by the scripts that source this file
MODULE=autosales_addon
# Owner role of the private clusters. Odoo refuses to connect as "postgres".
PG_ROLE=odoo

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

# === PREREQUISITES === #

# require_odoo: set PYTHON to a Python that imports Odoo 18, installing
# Odoo into the checkout's .venv when none does. In this order: ODOO_PYTHON
# (used as is), PYTHON (python3) when it imports Odoo 18, the .venv made by
# an earlier run, otherwise a new .venv (see bootstrap_odoo).
require_odoo() {
    local major
    if [ -n "${ODOO_PYTHON:-}" ]; then
        major=$(odoo_major "$ODOO_PYTHON")
        [ "$major" = 18 ] || die "ODOO_PYTHON=$ODOO_PYTHON does not import Odoo 18 (${major:+it imports Odoo $major}${major:-no Odoo found}): point it to a Python with Odoo 18.0, or unset it to have Odoo installed into $VENV."
        PYTHON=$ODOO_PYTHON
        return 0
    fi
    major=$(odoo_major "$PYTHON")
    [ "$major" = 18 ] && return 0
    if [ "$(odoo_major "$VENV/bin/python")" = 18 ]; then
        PYTHON=$VENV/bin/python
        return 0
    fi
    if [ -n "$major" ]; then
        say "$PYTHON imports Odoo $major, not 18.0: installing Odoo 18.0 into $VENV"
    else
        say "$PYTHON cannot import Odoo 18.0: installing it into $VENV (once, about 5 minutes)"
    fi
    bootstrap_odoo "$VENV"
    PYTHON=$VENV/bin/python
}

# odoo_major PYTHON: major version of the Odoo that PYTHON imports, or nothing.
odoo_major() {
    "$1" -c 'import odoo.cli, odoo.release as r; print(r.version_info[0])' 2>/dev/null || true
}

# bootstrap_odoo VENV: install Odoo 18.0 Community and its requirements into
# the virtual environment VENV (created with BASE_PYTHON). The source is
# ODOO_SOURCE: a local Odoo 18 source tree (installed in place, editable) or a
# git URL (default the official repository), cloned shallow into VENV/src.
# Every failure ends with one line saying what to do.
bootstrap_odoo() {
    local venv=$1 source=${ODOO_SOURCE:-$ODOO_GIT_URL} src version pyver log
    pyver=$("$BASE_PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) \
        || die "$BASE_PYTHON does not run: install Python 3.10 to 3.12, or set PYTHON to one."
    case $pyver in
        3.10 | 3.11 | 3.12) ;;
        *) die "Odoo 18 needs Python 3.10 to 3.12 and $BASE_PYTHON is $pyver: run again with PYTHON=python3.12 (or 3.11, 3.10)." ;;
    esac
    command -v git >/dev/null || apt_install git
    ensure_build_packages
    mkdir -p "$venv"
    log=$venv/bootstrap.log
    : >"$log"
    if [ -d "$source" ]; then
        src=$(cd "$source" && pwd)
    else
        src=$venv/src/odoo
        if [ ! -f "$src/odoo/release.py" ]; then
            rm -rf "$src"
            mkdir -p "$venv/src"
            say "cloning Odoo $ODOO_BRANCH from $source (shallow, a few hundred MB)"
            git clone --quiet --depth 1 --branch "$ODOO_BRANCH" "$source" "$src" >>"$log" 2>&1 \
                || die "could not clone $source (branch $ODOO_BRANCH): check the network, or set ODOO_SOURCE to a local Odoo 18 source tree (details: $log)."
        fi
    fi
    version=$(sed -n 's/^version_info = (\([0-9]*\),.*/\1/p' "$src/odoo/release.py" 2>/dev/null || true)
    [ "$version" = 18 ] || die "ODOO_SOURCE=$source is not an Odoo 18 source tree (${version:+it holds Odoo $version}${version:-no odoo/release.py}): point it to Odoo 18.0, or unset it to clone the official one."
    if [ ! -x "$venv/bin/python" ]; then
        "$BASE_PYTHON" -m venv "$venv" >>"$log" 2>&1 \
            || die "could not create a virtual environment in $venv: on Debian, install python$pyver-venv (sudo apt-get install -y python$pyver-venv)."
    fi
    # Odoo's pins for Python 3.10 and 3.11 include source distributions (such
    # as cbor2 5.4.2) whose setup imports pkg_resources, which setuptools 70
    # and later no longer provide. They are built without build isolation,
    # against build tools installed first: a setuptools that still has it,
    # and setuptools_scm, which versions some of them. The pins are kept.
    say "installing Odoo's Python requirements from PyPI (log: $log)"
    PIP_ROOT_USER_ACTION=ignore "$venv/bin/python" -m pip install --disable-pip-version-check \
        -U pip "setuptools<70" setuptools_scm wheel Cython packaging >>"$log" 2>&1 \
        || die "pip could not install its build tools from PyPI: check the network (details: $log)."
    PIP_ROOT_USER_ACTION=ignore "$venv/bin/python" -m pip install --disable-pip-version-check \
        --no-build-isolation -r "$src/requirements.txt" 2>&1 | pip_progress "$log" \
        || die "could not install Odoo's Python requirements: check the network and the build packages (details: $log)."
    PIP_ROOT_USER_ACTION=ignore "$venv/bin/python" -m pip install --disable-pip-version-check \
        --no-build-isolation --no-deps --config-settings editable_mode=compat -e "$src" >>"$log" 2>&1 \
        || die "could not install Odoo from $src (details: $log)."
    [ "$(odoo_major "$venv/bin/python")" = 18 ] \
        || die "Odoo was installed into $venv but does not import: see $log."
    say "Odoo 18.0 installed into $venv"
}

# pip_progress LOG: copy pip's output (stdin) to LOG and show which package
# it is at (pipefail reports pip's failure).
pip_progress() {
    local count=0 line
    while IFS= read -r line; do
        printf '%s\n' "$line" >>"$1"
        case $line in
            Collecting* | "Requirement already satisfied"*)
                count=$((count + 1))
                line=${line#Collecting }
                progress "requirements: $count packages, now ${line%% (*}"
                ;;
        esac
    done
    progress_end
}

# progress MESSAGE: show MESSAGE on one line that updates itself on a
# terminal; elsewhere (CI logs) print it at most every 20 seconds.
progress() {
    local now=$SECONDS
    if [ -t 2 ]; then
        printf '\r\033[K==> %s' "${1:0:100}" >&2
        PROGRESS_SHOWN=1
    elif [ $((now - ${PROGRESS_AT:--100})) -ge 20 ]; then
        say "$1"
        PROGRESS_AT=$now
    fi
}

progress_end() {
    if [ -n "${PROGRESS_SHOWN:-}" ]; then
        printf '\n' >&2
        PROGRESS_SHOWN=
    fi
    PROGRESS_AT=
}

# ensure_build_packages: what Odoo's requirements compile against on Debian.
ensure_build_packages() {
    command -v dpkg >/dev/null || return 0
    local package missing=()
    for package in build-essential libpq-dev libldap2-dev libsasl2-dev; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

# ensure_wkhtmltopdf: Odoo renders its PDF reports (order confirmation,
# delivery slip, invoice) with wkhtmltopdf; without it, emails lack their
# PDF and the webshop's confirmation step fails.
ensure_wkhtmltopdf() {
    command -v wkhtmltopdf >/dev/null || apt_install wkhtmltopdf
}

# apt_install PACKAGE...: install Debian packages as root, otherwise print
# the command to run and stop.
apt_install() {
    if ! is_root; then
        die "missing Debian packages: run \`sudo apt-get install -y $*\`, then this command again."
    fi
    say "installing Debian packages: $*"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# pip_install MODULE:PACKAGE...: pip-install the packages whose module does
# not import.
pip_install() {
    local spec missing=()
    for spec in "$@"; do
        "$PYTHON" -c "import ${spec%%:*}" >/dev/null 2>&1 || missing+=("${spec#*:}")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing Python packages: ${missing[*]}"
    PIP_ROOT_USER_ACTION=ignore "$PYTHON" -m pip install -q "${missing[@]}" \
        || die "could not install ${missing[*]}; install them with:
    $PYTHON -m pip install ${missing[*]}"
}

ensure_chromium() {
    local browser
    for browser in google-chrome chromium chromium-browser google-chrome-stable; do
        command -v "$browser" >/dev/null && return 0
    done
    apt_install chromium
}

# Newest PostgreSQL server binaries: PATH first, then Debian's layout.
pg_bindir() {
    local dir
    if command -v initdb >/dev/null; then
        # Resolved: a symlink such as /usr/local/bin/initdb has no pg_ctl
        # or pg_isready beside it.
        dirname "$(readlink -f "$(command -v initdb)")"
        return 0
    fi
    for dir in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
        [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
    done
    return 1
}

ensure_postgres() {
    PG_BIN=$(pg_bindir) || { apt_install postgresql; PG_BIN=$(pg_bindir); } \
        || die "PostgreSQL server binaries (initdb) not found"
    local major
    major=$("$PG_BIN/postgres" --version | sed -E 's/[^0-9]*([0-9]+).*/\1/')
    [ "$major" -ge 13 ] || die "PostgreSQL $major found in $PG_BIN, 13 or newer is needed"
}

# === PRIVATE POSTGRESQL CLUSTER === #
# PostgreSQL refuses to run as root: then the cluster belongs to, and runs
# as, the "postgres" system user (created by Debian's postgresql package).

pg_as_owner() {
    if is_root; then
        # From /: the postgres user may not enter the current directory.
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# pg_can_reach DIR: whether the cluster owner may enter DIR.
pg_can_reach() {
    ! is_root || runuser -u postgres -- test -x "$1" 2>/dev/null
}

# pg_prepare_dir DIR: create DIR for the cluster owner, or explain why the
# owner cannot use it.
pg_prepare_dir() {
    mkdir -p "$1"
    if is_root; then
        chown postgres: "$1"
        runuser -u postgres -- test -w "$1" -a -x "$1" \
            || die "the postgres user cannot reach $1; a parent directory is not
       accessible to it (see \`namei -l $1\`)"
    fi
}

# A lock file whose PID is no running postgres process is left over from a
# killed server (or a reboot) and would stop the next start.
pg_clear_stale_lock() {
    local lock=$1 pid
    [ -f "$lock" ] || return 0
    pid=$(head -n 1 "$lock")
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = postgres ]; then
        return 0
    fi
    say "removing stale lock file $lock"
    rm -f "$lock"
}

# pg_start DATADIR SOCKDIR PORT [SETTING...]: create the cluster on first
# use, then start it unless it runs already. Only a unix socket in SOCKDIR
# is opened (no TCP), so clusters in different checkouts never clash.
pg_start() {
    local data=$1 sock=$2 port=$3 setting
    shift 3
    DB_HOST=$sock DB_PORT=$port DB_USER=$PG_ROLE DB_PASSWORD=
    pg_prepare_dir "$sock"
    if [ ! -f "$data/PG_VERSION" ]; then
        say "creating PostgreSQL cluster in $data"
        pg_prepare_dir "$data"
        pg_as_owner "$PG_BIN/initdb" -D "$data" -U "$PG_ROLE" -A trust -E UTF8 \
            --no-locale >"$sock/initdb.log" 2>&1 \
            || { cat "$sock/initdb.log" >&2; die "initdb failed"; }
        {
            echo "# private cluster of $ROOT"
            echo "listen_addresses = ''"
            echo "port = $port"
            echo "unix_socket_directories = '$sock'"
            for setting in "$@"; do echo "$setting"; done
        } >>"$data/postgresql.conf"
    fi
    pg_clear_stale_lock "$data/postmaster.pid"
    pg_clear_stale_lock "$sock/.s.PGSQL.$port.lock"
    if "$PG_BIN/pg_isready" -q -h "$sock" -p "$port"; then
        return 0
    fi
    pg_as_owner "$PG_BIN/pg_ctl" -D "$data" -l "$sock/postgresql.log" -w -t 60 \
        start >/dev/null \
        || { tail -n 20 "$sock/postgresql.log" >&2; die "PostgreSQL did not start"; }
}

# throwaway_cluster NAME PORT OUT [SETTING...]: a temporary folder $TMP
# and a PostgreSQL cluster in it (started), both removed on exit whatever
# happens; OUT (the folder of logs kept afterwards) is emptied. Only this
# cluster is used: never a server named by the environment.
throwaway_cluster() {
    local name=$1 port=$2 out=$3
    shift 3
    unset PGHOST PGHOSTADDR PGPORT PGUSER PGPASSWORD PGDATABASE PGSERVICE
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/autosales-$name.XXXXXX")
    chmod 711 "$TMP"
    trap throwaway_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    rm -rf "$out"
    mkdir -p "$out"
    pg_start "$TMP/pg/data" "$TMP/pg" "$port" "$@"
}

throwaway_cleanup() {
    kill_child
    pg_stop "$TMP/pg/data" || true
    rm -rf "$TMP"
}

pg_running() {
    pg_clear_stale_lock "$1/postmaster.pid"
    [ -f "$1/postmaster.pid" ]
}

pg_stop() {
    local data=$1
    pg_running "$data" || return 0
    pg_as_owner "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null
}

# === ODOO === #

# oca_install MODULE:REQUIREMENT...: pip-install OCA modules (from PyPI)
# that benchmarks or slow tests use, unless importable. --no-deps: their
# requirements name Odoo itself, which pip would download again. They are
# never a dependency of the add-on.
oca_install() {
    local spec missing=()
    for spec in "$@"; do
        "$PYTHON" -c "import importlib.util, sys
sys.exit(importlib.util.find_spec('odoo.addons.${spec%%:*}') is None)" 2>/dev/null \
            || missing+=("${spec#*:}")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing OCA modules from PyPI: ${missing[*]}"
    PIP_ROOT_USER_ACTION=ignore "$PYTHON" -m pip install -q --no-deps "${missing[@]}" \
        || die "could not install ${missing[*]}; install them with:
    $PYTHON -m pip install --no-deps ${missing[*]}"
}

# oca_addons_dir MODULE: the addons folder pip installed an OCA module in.
oca_addons_dir() {
    "$PYTHON" -c "import importlib.util, os
spec = importlib.util.find_spec('odoo.addons.$1')
print(os.path.dirname(list(spec.submodule_search_locations)[0]))"
}


# run_killable COMMAND...: run COMMAND in the background and wait for it.
# Odoo catches the first Ctrl-C while it installs modules and goes on, and
# bash would wait for it; this way a trap can stop it at once (kill_child).
run_killable() {
    local rc=0
    "$@" &
    CHILD_PID=$!
    wait "$CHILD_PID" || rc=$?
    CHILD_PID=
    return "$rc"
}

# run_with_install_progress LOG COMMAND...: run_killable, showing the module
# Odoo is loading (from its log LOG) and the time spent.
run_with_install_progress() {
    local log=$1 rc=0 start=$SECONDS loading
    shift
    "$@" &
    CHILD_PID=$!
    while kill -0 "$CHILD_PID" 2>/dev/null; do
        loading=$(grep -o 'Loading module [^ ]* ([0-9]*/[0-9]*)' "$log" 2>/dev/null | tail -n 1)
        progress "${loading:-starting Odoo} - $((SECONDS - start)) s"
        sleep 1
    done
    wait "$CHILD_PID" || rc=$?
    CHILD_PID=
    progress_end
    return "$rc"
}

kill_child() {
    local pid=${CHILD_PID:-}
    [ -n "$pid" ] || return 0
    CHILD_PID=
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

odoo_default_addons_path() {
    "$PYTHON" - <<'EOF'
from odoo.tools import config

config.parse_config(["--config", "/dev/null"])
print(config["addons_path"])
EOF
}

# write_odoo_conf FILE [KEY = VALUE...]: Odoo config file for the add-on
# and the database server in DB_HOST/DB_PORT/DB_USER/DB_PASSWORD; the
# folders in EXTRA_ADDONS (comma-separated) are added to the addons path.
write_odoo_conf() {
    local file=$1 line
    shift
    {
        echo "[options]"
        echo "addons_path = $ROOT,$(odoo_default_addons_path)${EXTRA_ADDONS:+,$EXTRA_ADDONS}"
        echo "db_host = ${DB_HOST:-False}"
        echo "db_port = ${DB_PORT:-False}"
        echo "db_user = ${DB_USER:-False}"
        echo "db_password = ${DB_PASSWORD:-False}"
        echo "list_db = False"
        for line in "$@"; do echo "$line"; done
    } >"$file"
}

# odoo_module_state CONF MODULE: state of MODULE in the config's database,
# empty when the database or the module does not exist.
odoo_module_state() {
    "$PYTHON" - "$@" <<'EOF' 2>/dev/null || true
import sys

from odoo import sql_db
from odoo.tools import config

config.parse_config(["--config", sys.argv[1]])
with sql_db.db_connect(config["db_name"]).cursor() as cr:
    cr.execute("SELECT state FROM ir_module_module WHERE name = %s", [sys.argv[2]])
    row = cr.fetchone()
    print(row[0] if row else "")
EOF
}

# odoo_install CONF DB LOG MODULES [OPTION...]: install MODULES into a new
# database DB; any ERROR in the log fails it, since Odoo may log a broken
# view or data file and still exit 0.
odoo_install() {
    local conf=$1 db=$2 log=$3 modules=$4 start=$SECONDS
    shift 4
    say "installing $modules into database $db (log: $log)"
    : >"$log"
    if ! run_with_install_progress "$log" "$PYTHON" -m odoo --config "$conf" \
        --database "$db" --init "$modules" --stop-after-init --logfile "$log" \
        --log-level info "$@"; then
        grep -E ' (ERROR|CRITICAL) ' -A 20 "$log" | tail -n 60 >&2 || tail -n 40 "$log" >&2
        die "installing $modules failed (log: $log)"
    fi
    if grep -qE '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$log"; then
        grep -E ' (ERROR|CRITICAL) ' -A 20 "$log" | tail -n 60 >&2
        die "errors were logged while installing $modules (log: $log)"
    fi
    # Broken demo data is only a warning: Odoo installs without it.
    if grep -q 'demo data failed to install' "$log"; then
        grep -B 2 -A 30 'Traceback' "$log" | tail -n 60 >&2
        die "the demo data of $modules failed to install (log: $log)"
    fi
    say "installed in $((SECONDS - start)) s"
}
