#!/usr/bin/env bash
# Install Odoo 18.0 Community and its Python requirements into a virtual
# environment: VENV (default the checkout's .venv, which make run, make test
# and make bench then use when python3 cannot import Odoo 18). The source
# is ODOO_SOURCE, a git URL or a local Odoo 18 source tree (default the
# official repository, branch 18.0, shallow clone).
#
#     tools/bootstrap_odoo.sh [VENV]
set -euo pipefail
# shellcheck source=tools/lib.sh
. "$(dirname "$0")/lib.sh"

bootstrap_odoo "${1:-$VENV}"
