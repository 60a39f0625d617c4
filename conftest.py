"""pytest hooks for the add-on's tests, run by ``make test`` with pytest-odoo.

- A browser test (any test of an ``odoo.tests.HttpCase``) that is skipped
  fails instead: Odoo skips tours when websocket-client or Chrome is
  missing, and pytest-odoo skips every HttpCase without ``--odoo-http``;
  a green run must mean the tours ran. Set ``AUTOSALES_ALLOW_BROWSER_SKIP=1``
  to allow it on a machine without a browser.
- ``odoo.modules.module.current_test`` is set during each test, as Odoo's
  own test runner does; pytest-odoo does it for Odoo 19 only. Code that
  commits only outside tests relies on it, as do the test cursor checks
  of ``HttpCase``.
- The terminal summary lists the tours that ran to their end in the browser.
"""

import logging
import os

import pytest

ALLOW_BROWSER_SKIP = "AUTOSALES_ALLOW_BROWSER_SKIP"


class _TourLogHandler(logging.Handler):
    """Collects the "tour succeeded" messages of the browser consoles."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.succeeded = []

    def emit(self, record):
        if record.name.endswith(".browser") and record.getMessage() == "tour succeeded":
            test_name = record.name.rsplit(".", 3)[-3:-1]
            self.succeeded.append(".".join(test_name))


_tour_log = _TourLogHandler()


def _is_browser_test(item):
    from odoo.tests import HttpCase

    cls = getattr(item, "cls", None)
    return cls is not None and issubclass(cls, HttpCase)


def pytest_sessionstart(session):
    logging.getLogger().addHandler(_tour_log)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    from odoo.modules import module

    module.current_test = getattr(item, "instance", None) or False
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    from odoo.modules import module

    yield
    module.current_test = False


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if (
        report.skipped
        and not hasattr(report, "wasxfail")
        and not os.environ.get(ALLOW_BROWSER_SKIP)
        and _is_browser_test(item)
    ):
        reason = report.longrepr
        if isinstance(reason, tuple):  # (path, line, message) of a skip
            reason = reason[2]
        report.outcome = "failed"
        report.longrepr = (
            f"browser test skipped: {reason}\n"
            "Browser tests must run: install websocket-client and Chromium "
            f"(see README.rst), or set {ALLOW_BROWSER_SKIP}=1 to allow the skip."
        )


def pytest_terminal_summary(terminalreporter):
    if _tour_log.succeeded:
        terminalreporter.section("browser tours run to the end")
        for test_name in _tour_log.succeeded:
            terminalreporter.line(f"tour succeeded in the browser: {test_name}")
