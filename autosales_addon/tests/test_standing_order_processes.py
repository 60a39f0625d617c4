import signal
import time
from datetime import date
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.fields import Command
from odoo.modules import module as odoo_module
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import AutosalesCommittedCase, bank_journal
from .generation_worker import CRASH_EXIT_CODE


@tagged("post_install", "-at_install")
class TestStandingOrderProcesses(AutosalesCommittedCase):
    """Exactly once through parallel worker processes and crashes.

    ``make test-slow`` runs the same scenarios at a larger scale
    (``test_slow_standing_order_processes.py``).
    """

    WORKERS = 4
    STANDING_ORDERS = 20
    OCCURRENCES = 3  # 60 occurrences
    BATCH_SIZE = 5
    KILL_STANDING_ORDERS = 40  # 120 occurrences
    KILL_BATCH_SIZE = 10
    TIMEOUT = 240

    def test_parallel_workers_generate_each_occurrence_once(self):
        # Two customers have a credit limit: their credit checks update their
        # rows, the other workers must retry rather than fail.
        self._create_data(
            self.STANDING_ORDERS,
            self.OCCURRENCES,
            customer_count=self.STANDING_ORDERS // 2,
            credit_limited=(0, 1),
        )
        workers = self._start_workers(self.WORKERS, self.BATCH_SIZE)
        results = self._wait_workers(workers, self.TIMEOUT)
        orders = self._assert_each_occurrence_once(self.OCCURRENCES)
        self.assertEqual(
            sum(result["done"] for result in results),
            len(orders),
            "every order a worker committed was kept, none was made twice",
        )

    def test_killed_worker_keeps_committed_batches_and_next_run_completes(self):
        self._create_data(self.KILL_STANDING_ORDERS, self.OCCURRENCES)
        (worker,) = self._start_workers(1, self.KILL_BATCH_SIZE)
        committed = self._wait_for_orders(worker, 2 * self.KILL_BATCH_SIZE)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        with self.committed_env() as env:
            kept = self._assert_whole_orders(env)
        self.assertGreaterEqual(len(kept), committed, "committed batches are kept")
        self.assertLess(
            len(kept),
            self.KILL_STANDING_ORDERS * self.OCCURRENCES,
            "the worker was killed before the end of its run",
        )
        # The next run completes the work, without doing any of it twice.
        results = self._wait_workers(
            self._start_workers(1, self.KILL_BATCH_SIZE), self.TIMEOUT
        )
        orders = self._assert_each_occurrence_once(self.OCCURRENCES)
        self.assertEqual(results[0]["done"], len(orders) - len(kept))

    def test_worker_killed_before_the_charges_leaves_no_order_uncharged(self):
        ids = self._create_pay_now_data(self.STANDING_ORDERS)
        (worker,) = self._start_workers(
            1, self.BATCH_SIZE, extra_args=["--crash-before-charge"]
        )
        worker.communicate(timeout=self.TIMEOUT)
        self.assertEqual(worker.returncode, CRASH_EXIT_CODE, "the worker died")
        with self.committed_env() as env:
            orders = env["sale.order"].search([("standing_order_id", "in", ids)])
            self.assertEqual(len(orders), self.BATCH_SIZE, "its batch was committed")
            self.assertEqual(set(orders.mapped("state")), {"draft"})
            self.assertEqual(set(orders.transaction_ids.mapped("state")), {"draft"})
            send_at = max(orders.mapped("standing_payment_send_date"))
        # Two runs of the scheduled action at once, after the grace period:
        # each order is charged once, with the reference it was given.
        results = self._wait_workers(
            self._start_workers(
                2,
                self.BATCH_SIZE,
                extra_args=["--send-payments-at", send_at.isoformat()],
            ),
            self.TIMEOUT,
        )
        self.assertGreaterEqual(sum(result["done"] for result in results), len(orders))
        with self.committed_env() as env:
            orders = env["sale.order"].search([("standing_order_id", "in", ids)])
            for order in orders:
                self.assertEqual(order.state, "sale", order.name)
                self.assertEqual(
                    order.transaction_ids.mapped("reference"), [f"{order.name}-AS1"]
                )
                self.assertEqual(order.transaction_ids.state, "done")
                self.assertFalse(order.standing_payment_send_date)

    def _create_pay_now_data(self, count):
        """Commit ``count`` pay-now standing orders due on :attr:`until`, each
        customer with a saved card of the demo provider that accepts."""
        self._create_data(count)
        with self.committed_env() as env:
            provider = env["payment.provider"].search(
                [("code", "=", "demo"), ("company_id", "=", env.company.id)], limit=1
            )
            MethodLine = env["account.payment.method.line"]
            lines = MethodLine.search([("payment_provider_id", "=", provider.id)])
            self.created["demo_provider"] = (provider.id, provider.state, lines.ids)
            # With its journal: enabling it alone makes two method lines.
            provider.write(
                {
                    "state": "test",
                    "journal_id": bank_journal(env).id,
                }
            )
            customers = env["res.partner"].browse(self.created["customers"])
            tokens = env["payment.token"].create(
                [
                    {
                        "provider_id": provider.id,
                        "payment_method_id": provider.payment_method_ids[:1].id,
                        "payment_details": "4242",
                        "partner_id": customer.id,
                        "provider_ref": f"committed-{customer.id}",
                        "demo_simulated_state": "done",
                    }
                    for customer in customers
                ]
            )
            token_of = {token.partner_id: token for token in tokens}
            for standing in env["sale.standing.order"].browse(self.created["standing"]):
                standing.write(
                    {
                        "payment_mode": "pay_now",
                        "payment_token_id": token_of[standing.partner_id].id,
                    }
                )
        self.addCleanup(self._restore_demo_provider)
        return self.created["standing"]

    def _restore_demo_provider(self):
        provider_id, state, line_ids = self.created["demo_provider"]
        with self.committed_env() as env:
            env["payment.provider"].browse(provider_id).state = state
            # The journal's payment method line made for it, unless it had one.
            env["account.payment.method.line"].search(
                [
                    ("payment_provider_id", "=", provider_id),
                    ("id", "not in", line_ids),
                ]
            ).unlink()

    def _wait_for_orders(self, worker, count):
        """Wait until ``worker`` committed at least ``count`` orders."""
        deadline = time.monotonic() + self.TIMEOUT
        while time.monotonic() < deadline:
            with self.committed_env() as env:
                done = env["sale.order"].search_count(
                    [("standing_order_id", "in", self.created["standing"])]
                )
            if done >= count:
                return done
            self.assertIsNone(worker.poll(), "the worker is still running")
            time.sleep(0.05)
        self.fail("the worker committed nothing")


@tagged("post_install", "-at_install")
class TestStandingOrderTransactions(AutosalesCommittedCase):
    """Races between two transactions, run on two cursors of this process."""

    def _bulb_standing_orders(self, env, partners):
        """One standing order of 1,000 bulbs per partner in ``partners``."""
        bulb = env["product.product"].create(
            {"name": "Committed Bulb", "type": "consu", "list_price": 2.5}
        )
        standing_orders = env["sale.standing.order"].create(
            [
                {
                    "partner_id": partner.id,
                    "interval_number": 1,
                    "interval_type": "month",
                    "start_date": date(2027, 1, 1),
                    "line_ids": [
                        Command.create({"product_id": bulb.id, "product_uom_qty": 1000})
                    ],
                }
                for partner in partners
            ]
        )
        standing_orders.action_activate()
        self.created["products"] = bulb.ids
        self.created["standing"] = standing_orders.ids
        return standing_orders

    def test_two_on_account_orders_never_exceed_the_credit_limit_together(self):
        with self.committed_env() as env:
            self.created["use_credit_limit"] = env.company.account_use_credit_limit
            env.company.account_use_credit_limit = True
            customer = env["res.partner"].create(
                {
                    "name": "Credit Race Customer",
                    "is_company": True,
                    "street": "1 Market Street",
                    "city": "Springfield",
                    "on_account_allowed": True,
                }
            )
            # Each order is 2,500 before taxes: one fits, not both.
            customer.credit_limit = 4000
            # Two buyers of the customer order, each for their own shop.
            buyers = env["res.partner"].create(
                [
                    {"name": f"Shop {index}", "parent_id": customer.id}
                    for index in range(2)
                ]
            )
            self.created["customers"] = (customer | buyers).ids
            first, second = self._bulb_standing_orders(env, buyers).ids
        until = date(2027, 1, 1)
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            env1 = api.Environment(cr1, SUPERUSER_ID, {})
            env2 = api.Environment(cr2, SUPERUSER_ID, {})
            # The second transaction starts (takes its snapshot) first...
            env2["res.partner"].browse(customer.id).credit_to_invoice  # noqa: B018
            # ... and the first confirms its order and commits meanwhile.
            with (
                patch.object(odoo_module, "current_test", None),
                mute_logger("odoo.sql_db"),
            ):
                order = (
                    env1["sale.standing.order"]
                    .browse(first)
                    ._generate_due_orders(until)
                )
                self.assertEqual(order.state, "sale")
                cr1.commit()
                standing = env2["sale.standing.order"].browse(second)
                standing._with_serialization_retry(
                    lambda: standing._generate_due_orders(until)
                )
                cr2.commit()
        with self.committed_env() as env:
            orders = env["sale.order"].search(
                [("standing_order_id", "in", [first, second])]
            )
            self.assertEqual(len(orders), 2, "both occurrences have their order")
            self.assertEqual(
                orders.filtered(lambda o: o.state == "sale").standing_order_id.ids,
                [first],
                "only the first order fits in the credit limit",
            )
            standing = env["sale.standing.order"].browse(second)
            self.assertEqual(standing.state, "exception")
            self.assertIn("credit limit", standing.exception_reason)

    def test_serialization_failure_during_confirmation_is_retried(self):
        with self.committed_env() as env:
            bulb = env["product.product"].create(
                {
                    "name": "Committed Stored Bulb",
                    "type": "consu",
                    "is_storable": True,
                    "list_price": 2.5,
                }
            )
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", env.company.id)], limit=1
            )
            env["stock.quant"]._update_available_quantity(
                bulb, warehouse.lot_stock_id, 100
            )
            customer = env["res.partner"].create(
                {
                    "name": "Retry Customer",
                    "is_company": True,
                    "street": "1 Market Street",
                    "city": "Springfield",
                    "on_account_allowed": True,
                }
            )
            standing = env["sale.standing.order"].create(
                {
                    "partner_id": customer.id,
                    "start_date": date(2027, 1, 1),
                    "line_ids": [
                        Command.create({"product_id": bulb.id, "product_uom_qty": 10})
                    ],
                }
            )
            standing.action_activate()
            self.created.update(
                products=bulb.ids,
                customers=customer.ids,
                standing=standing.ids,
                use_credit_limit=env.company.account_use_credit_limit,
            )
        with self.registry.cursor() as cr, self.registry.cursor() as other_cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            standing = env["sale.standing.order"].browse(standing.id)
            standing.mapped("name")  # the generation transaction starts here
            # Another transaction moves the stock the order will reserve.
            other_cr.execute(
                "UPDATE stock_quant SET write_date = now() WHERE product_id = %s",
                [bulb.id],
            )
            other_cr.commit()
            with (
                patch.object(odoo_module, "current_test", None),
                mute_logger("odoo.sql_db"),
            ):
                done = standing._cron_generate_orders(until=date(2027, 1, 1))
        self.assertEqual(done, 1)
        with self.committed_env() as env:
            standing = env["sale.standing.order"].browse(standing.id)
            self.assertEqual(standing.state, "active", "no exception for a conflict")
            self.assertEqual(standing.order_ids.state, "sale")
            self.assertEqual(standing.order_ids.picking_ids.move_ids.state, "assigned")
