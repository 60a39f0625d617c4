# Development commands of the AutoSales add-on; see README.rst.
# The work is done by the scripts in tools/.

.PHONY: help run run-fresh stop test test-slow bench lint screenshots

help:
	@echo "make run    demo database with the add-on on http://localhost:8069 (admin/admin)"
	@echo "make run-fresh  make run on a new demo database (drops the old one)"
	@echo "make stop   stop the private PostgreSQL cluster of make run"
	@echo "make test   the add-on's tests, browser tours included, on a throwaway database"
	@echo "make test-slow  the slow tests (multi-process runs at full scale), run by CI too"
	@echo "make bench  every bench/*.py script against a fresh database"
	@echo "make lint   ruff, pylint-odoo and the OCA checks"
	@echo "make screenshots  the main screens as PNGs in .run/screenshots/, from a running make run"
	@echo
	@echo "Settings (environment variables):"
	@echo "  AUTOSALES_HTTP_PORT  port of make run (default 8069)"
	@echo "  AUTOSALES_DB         database of make run (default autosales_demo)"
	@echo "  AUTOSALES_SCREENSHOTS  folder of make screenshots (default .run/screenshots)"
	@echo "  ODOO_PYTHON          a Python that imports Odoo 18, used as is"
	@echo "  ODOO_SOURCE          where to install Odoo 18 from when python3 lacks it:"
	@echo "                       a git URL or a local source tree"
	@echo "                       (default https://github.com/odoo/odoo.git, branch 18.0)"
	@echo "  PYTHON               the Python to create .venv with (default python3)"

run:
	@bash tools/run.sh

run-fresh:
	@bash tools/run.sh fresh

stop:
	@bash tools/run.sh stop

test:
	@bash tools/test.sh

test-slow:
	@bash tools/test.sh --slow

bench:
	@bash tools/bench.sh

lint:
	@bash tools/lint.sh

screenshots:
	@bash tools/screenshots.sh
