import os
import unittest

from odoo.tests import tagged

from . import test_standing_order_processes as fast

SLOW = "AUTOSALES_SLOW_TESTS"


@tagged("post_install", "-at_install")
@unittest.skipUnless(os.environ.get(SLOW), f"run by make test-slow ({SLOW}=1)")
class TestStandingOrderProcessesAtScale(fast.TestStandingOrderProcesses):
    """The multi-process scenarios at the scale of the issue: 4 worker
    processes on the same 500 due occurrences, and a worker killed with
    SIGKILL in the middle of 500 occurrences, then run again."""

    allow_inherited_tests_method = True  # Odoo's runner skips them otherwise

    STANDING_ORDERS = 250
    OCCURRENCES = 2  # 500 occurrences
    BATCH_SIZE = 25
    KILL_STANDING_ORDERS = 250
    KILL_BATCH_SIZE = 25
    TIMEOUT = 600
