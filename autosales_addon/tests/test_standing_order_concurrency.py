import sys
import threading
import traceback
from datetime import date
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.modules import module as odoo_module
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name
from odoo.tools import mute_logger

STANDING_ORDERS = 12
UNTIL = date(2027, 3, 1)  # three monthly occurrences each


@tagged("post_install", "-at_install")
class TestStandingOrderConcurrency(BaseCase):
    """Generation by workers on separate, committed transactions.

    These tests commit real data (and remove it afterwards), because two
    workers only compete for rows another transaction can see.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            product = env["product.product"].create(
                {"name": "Concurrency Bulb", "type": "consu", "list_price": 1.0}
            )
            partner = env["res.partner"].create(
                {
                    "name": "Concurrency Customer",
                    "is_company": True,
                    "street": "1 Market Street",
                    "city": "Springfield",
                    "on_account_allowed": True,
                }
            )
            standing_orders = env["sale.standing.order"].create(
                [
                    {
                        "partner_id": partner.id,
                        "interval_number": 1,
                        "interval_type": "month",
                        "start_date": date(2027, 1, 1),
                        "auto_confirm": False,
                        "line_ids": [
                            Command.create(
                                {"product_id": product.id, "product_uom_qty": 10}
                            )
                        ],
                    }
                    for _index in range(STANDING_ORDERS)
                ]
            )
            standing_orders.action_activate()
            self.ids = {
                "product": product.id,
                "partner": partner.id,
                "standing": standing_orders.ids,
            }
        self.addCleanup(self._remove_data)

    def _remove_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            standing_orders = env["sale.standing.order"].browse(self.ids["standing"])
            env["sale.order"].search(
                [("standing_order_id", "in", standing_orders.ids)]
            ).unlink()
            standing_orders.write({"state": "cancelled"})
            standing_orders.unlink()
            env["product.product"].browse(self.ids["product"]).unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()

    def _run_workers(self, *jobs):
        """Run each job in its own thread and cursor, all starting together."""
        barrier = threading.Barrier(len(jobs))
        errors = []

        def worker(job, env):
            try:
                with env.cr:
                    barrier.wait(timeout=30)
                    job(env)
            except Exception as error:  # noqa: BLE001 - reported by the test
                errors.append(error)

        # Environments are made here: the registry may be locked by the thread
        # running the tests.
        threads = [
            threading.Thread(
                target=worker,
                args=(job, api.Environment(self.registry.cursor(), SUPERUSER_ID, {})),
            )
            for job in jobs
        ]
        # Outside of a test transaction, generation commits per batch and
        # retries serialization failures as in production.
        with patch.object(odoo_module, "current_test", None):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
        if stuck := [thread for thread in threads if thread.is_alive()]:
            frames = sys._current_frames()
            self.fail(
                "workers did not finish:\n"
                + "\n".join(
                    "".join(traceback.format_stack(frames[t.ident])) for t in stuck
                )
            )
        self.assertFalse(errors, "every worker finished cleanly")

    def _assert_each_occurrence_once(self):
        with self.registry.cursor() as cr:
            cr.execute(
                """
                SELECT standing_order_id, standing_order_date, count(*)
                  FROM sale_order
                 WHERE standing_order_id IN %s
              GROUP BY standing_order_id, standing_order_date
                """,
                [tuple(self.ids["standing"])],
            )
            rows = cr.fetchall()
            self.assertEqual(
                len(rows), STANDING_ORDERS * 3, "every occurrence was generated"
            )
            self.assertEqual(
                {row[2] for row in rows}, {1}, "no occurrence was generated twice"
            )
            env = api.Environment(cr, SUPERUSER_ID, {})
            standing_orders = env["sale.standing.order"].browse(self.ids["standing"])
            self.assertEqual(
                set(standing_orders.mapped("next_date")), {date(2027, 4, 1)}
            )

    def test_two_cron_workers_generate_each_occurrence_once(self):
        def cron(env):
            standing_orders = env["sale.standing.order"].browse(self.ids["standing"])
            standing_orders._cron_generate_orders(until=UNTIL, batch_size=3)

        self._run_workers(cron, cron)
        self._assert_each_occurrence_once()

    def test_direct_generation_on_two_cursors_does_not_duplicate(self):
        def generate(env):
            # As Odoo's RPC layer does, retry a transaction that lost a race.
            standing_orders = env["sale.standing.order"].browse(self.ids["standing"])
            standing_orders._with_serialization_retry(
                lambda: standing_orders._generate_due_orders(until=UNTIL)
            )
            env.cr.commit()

        self._run_workers(generate, generate)
        self._assert_each_occurrence_once()

    def test_generate_now_refuses_while_a_worker_holds_the_standing_order(self):
        standing_id = self.ids["standing"][0]
        with self.registry.cursor() as cron_cr, self.registry.cursor() as user_cr:
            cron_env = api.Environment(cron_cr, SUPERUSER_ID, {})
            claimed = (
                cron_env["sale.standing.order"].browse(standing_id)._claim_due(UNTIL)
            )
            self.assertEqual(claimed.ids, [standing_id])
            user_env = api.Environment(user_cr, SUPERUSER_ID, {})
            with (
                mute_logger("odoo.sql_db"),
                self.assertRaisesRegex(UserError, "being generated right now"),
            ):
                user_env["sale.standing.order"].browse(
                    standing_id
                ).action_generate_now()
            user_cr.rollback()
            cron_cr.rollback()

    def test_concurrent_invoicing_runs_invoice_each_order_once(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            standing_orders = env["sale.standing.order"].browse(self.ids["standing"])
            standing_orders.write({"auto_confirm": True, "invoicing_mode": "on_order"})
            # Confirmed, not invoiced yet (as after a crash before invoicing).
            with patch.object(
                type(env["sale.order"]),
                "_autosales_invoice",
                lambda orders: orders.env["account.move"],
            ):
                orders = standing_orders._generate_due_orders(until=date(2027, 1, 1))
            self.assertEqual(set(orders.mapped("invoice_status")), {"to invoice"})
            order_ids = orders.ids
        self.addCleanup(self._remove_invoiced_orders, order_ids)

        def invoice(env):
            # Two direct runs on the same orders: only the database guard
            # (or the serialization of their writes) stands between them.
            orders = env["sale.order"].browse(order_ids)
            env["sale.standing.order"]._with_serialization_retry(
                orders._autosales_invoice
            )
            env.cr.commit()

        def cron(env):
            env["sale.order"]._cron_autosales_invoice_orders(batch_size=5)

        self._run_workers(invoice, invoice, cron)
        with self.registry.cursor() as cr:
            cr.execute(
                """
                SELECT autosales_order_id, count(*)
                  FROM account_move
                 WHERE autosales_order_id IN %s
              GROUP BY autosales_order_id
                """,
                [tuple(order_ids)],
            )
            counts = dict(cr.fetchall())
        self.assertEqual(set(counts), set(order_ids), "every order was invoiced")
        self.assertEqual(set(counts.values()), {1}, "no order was invoiced twice")

    def _remove_invoiced_orders(self, order_ids):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            invoices = env["account.move"].search(
                [("autosales_order_id", "in", order_ids)]
            )
            invoices.button_draft()
            invoices.with_context(force_delete=True).unlink()
            orders = env["sale.order"].browse(order_ids)
            orders._action_cancel()
            orders.picking_ids.move_ids.unlink()
            orders.picking_ids.unlink()

    def test_two_workers_prepare_each_occurrence_once_then_place_it(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["sale.standing.order"].browse(self.ids["standing"]).preview_days = 5

        def prepare(env):
            standing_orders = env["sale.standing.order"].browse(self.ids["standing"])
            standing_orders._cron_prepare_orders(today=date(2026, 12, 28), batch_size=3)

        self._run_workers(prepare, prepare)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            standing_orders = env["sale.standing.order"].browse(self.ids["standing"])
            orders = env["sale.order"].search(
                [("standing_order_id", "in", standing_orders.ids)]
            )
            self.assertEqual(len(orders), STANDING_ORDERS, "one order each")
            self.assertEqual(standing_orders.prepared_order_id, orders)
            self.assertEqual(set(orders.mapped("autosales_preview_state")), {"waiting"})
            # One email each, not one per worker.
            self.assertEqual(
                env["mail.message"].search_count(
                    [
                        ("model", "=", "sale.standing.order"),
                        ("res_id", "in", standing_orders.ids),
                        ("subject", "ilike", "please review your next order"),
                    ]
                ),
                STANDING_ORDERS,
            )
            env["mail.message"].search(
                [
                    ("model", "=", "sale.standing.order"),
                    ("res_id", "in", standing_orders.ids),
                ]
            ).unlink()
        # Preparation and placing are separate transactions (a crash may
        # fall in between): on its date the prepared order is taken, not made
        # again.
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            standing_orders = env["sale.standing.order"].browse(self.ids["standing"])
            placed = standing_orders._generate_due_orders(until=date(2027, 1, 1))
            self.assertEqual(placed, orders.with_env(env))
            self.assertEqual(
                env["sale.order"].search_count(
                    [("standing_order_id", "in", standing_orders.ids)]
                ),
                STANDING_ORDERS,
            )
            cr.rollback()

    def test_customer_confirming_while_a_worker_holds_it_is_told_to_retry(self):
        standing_id = self.ids["standing"][0]
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            standing = env["sale.standing.order"].browse(standing_id)
            standing.preview_days = 5
            standing._cron_prepare_orders(today=date(2026, 12, 28))
            env["mail.message"].search(
                [("model", "=", "sale.standing.order"), ("res_id", "=", standing_id)]
            ).unlink()
        with self.registry.cursor() as cron_cr, self.registry.cursor() as user_cr:
            cron_env = api.Environment(cron_cr, SUPERUSER_ID, {})
            claimed = (
                cron_env["sale.standing.order"]
                .browse(standing_id)
                ._claim_due(date(2027, 1, 1))
            )
            self.assertEqual(claimed.ids, [standing_id])
            user_env = api.Environment(user_cr, SUPERUSER_ID, {})
            with (
                mute_logger("odoo.sql_db"),
                self.assertRaisesRegex(UserError, "being generated right now"),
            ):
                user_env["sale.standing.order"].browse(
                    standing_id
                )._confirm_prepared_order()
            user_cr.rollback()
            cron_cr.rollback()
