import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from unittest.mock import patch

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name
from odoo.tools import config

from .common import write_odoo_config

SLOW = "AUTOSALES_SLOW_TESTS"
TIMEOUT = 20 * 60


@tagged("post_install", "-at_install")
@unittest.skipUnless(os.environ.get(SLOW), f"run by make test-slow ({SLOW}=1)")
class TestDemoData(BaseCase):
    """The demo database of `make run` holds what the README promises, for
    the users it names: installed with demo data, as `make run` does."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.database = f"{get_db_name()}_demo"
        cls.tmp = tempfile.TemporaryDirectory(prefix="autosales-demo-")
        conf = Path(cls.tmp.name) / "odoo.conf"
        write_odoo_config(conf)
        cls.conf = conf
        log = Path(cls.tmp.name) / "install.log"
        result = subprocess.run(  # noqa: S603 - Odoo's own command
            [
                sys.executable,
                "-m",
                "odoo",
                "--config",
                str(conf),
                "--database",
                cls.database,
                "--init",
                "autosales_addon,payment_demo",
                "--stop-after-init",
                "--logfile",
                str(log),
            ],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        text = log.read_text(encoding="utf-8") if log.exists() else result.stderr
        # Odoo only warns when demo data fails, and installs without it.
        if result.returncode or " ERROR " in text or "demo data failed" in text:
            cls._drop_database()
            raise AssertionError(f"installing the demo failed:\n{text[-5000:]}")
        # Loaded as a server would, not as the test database.
        with patch.dict(config.options, test_enable=False):
            cls.registry = Registry(cls.database)
        cls.cr = cls.registry.cursor()
        cls.env = api.Environment(cls.cr, SUPERUSER_ID, {})

    @classmethod
    def tearDownClass(cls):
        cls.cr.rollback()
        cls.cr.close()
        Registry.delete(cls.database)
        odoo.sql_db.close_db(cls.database)
        cls._drop_database()
        cls.tmp.cleanup()
        super().tearDownClass()

    @classmethod
    def _drop_database(cls):
        subprocess.run(  # noqa: S603 - Odoo's own command
            [
                sys.executable,
                "-m",
                "odoo",
                "db",
                "--config",
                str(cls.conf),
                "drop",
                cls.database,
            ],
            capture_output=True,
            timeout=300,
            check=False,
        )

    def _user(self, login):
        user = self.env["res.users"].search([("login", "=", login)])
        self.assertTrue(user, f"no demo user {login}")
        return user

    def test_the_salesperson_opens_the_light_bulbs_standing_order(self):
        standing = self.env.ref("autosales_addon.standing_order_light_bulbs")
        Standing = self.env["sale.standing.order"].with_user(self._user("demo"))
        # What the form of the web client reads.
        fields = Standing.get_views([(False, "form")])["models"][Standing._name][
            "fields"
        ]
        spec = {
            name: {"fields": {"display_name": {}}}
            if Standing._fields[name].type == "many2one"
            else {}
            for name in fields
        }
        values = Standing.browse(standing.id).web_read(spec)[0]
        self.assertEqual(values["client_order_ref"], "PO-LIGHTS-2027")
        orders = Standing.browse(standing.id).order_ids
        self.assertGreaterEqual(len(orders), 2)
        self.assertTrue(orders.read(["name", "amount_total", "state"]))

    def test_the_history_is_dated_at_its_occurrences(self):
        standing = self.env.ref("autosales_addon.standing_order_light_bulbs")
        today = standing._get_today()
        past = standing.order_ids.filtered(lambda o: o.standing_order_date < today)
        self.assertEqual(len(past), 2)
        for order in past:
            self.assertEqual(order.date_order.date(), order.standing_order_date)
            self.assertEqual(order.picking_ids.mapped("state"), ["done"])
            self.assertLess(order.picking_ids.date_done.date(), today)
        self.assertNotEqual(past[0].date_order.date(), past[1].date_order.date())
        # invoiced when confirmed: the oldest invoice paid, the others due
        invoices = standing.invoice_ids.sorted("id")
        self.assertEqual(len(invoices), len(standing.order_ids))
        self.assertEqual(set(invoices.mapped("state")), {"posted"})
        self.assertIn(invoices[0].payment_state, ("paid", "in_payment"))
        self.assertEqual(set(invoices[1:].mapped("payment_state")), {"not_paid"})

    def test_the_standing_orders_the_readme_names(self):
        states = set(self.env["sale.standing.order"].search([]).mapped("state"))
        self.assertLessEqual({"active", "paused", "draft", "exception"}, states)

    def test_the_salesperson_has_customers_to_contact(self):
        demo = self._user("demo")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "autosales_addon.action_autosales_customers_to_contact"
        )
        customers = (
            self.env["res.partner"]
            .with_user(demo)
            .search(
                odoo.tools.safe_eval.safe_eval(action["domain"])
                + [("user_id", "=", demo.id)]
            )
        )
        self.assertTrue(customers)
        self.assertTrue(
            self.env["autosales.interaction"].with_user(demo).search_count([])
        )

    def test_the_salesperson_has_items_needing_attention(self):
        items = self.env["autosales.attention"].with_user(self._user("demo")).search([])
        self.assertIn(
            self.env.ref("autosales_addon.standing_order_tubes_exception"),
            items.filtered(lambda item: item.reason == "exception").standing_order_id,
        )
        self.assertIn(
            self.env.ref("base.res_partner_12"),
            items.filtered(lambda item: item.reason == "no_contact").partner_id,
            "Azure Interior, last contacted 64 days ago, is to call",
        )

    def test_the_webshop_customer(self):
        portal = self._user("portal")
        self.assertTrue(portal.partner_id.commercial_partner_id.on_account_allowed)
        standing_orders = self.env["sale.standing.order"].with_user(portal).search([])
        self.assertGreaterEqual(len(standing_orders), 2)
        self.assertEqual(
            standing_orders.commercial_partner_id,
            portal.partner_id.commercial_partner_id,
        )
        # one next order prepared ahead, waiting for the customer's review
        # (the quotation is the salesperson's document: read as the company)
        prepared = standing_orders.sudo().prepared_order_id
        self.assertEqual(len(prepared), 1)
        self.assertEqual(prepared.autosales_preview_state, "waiting")
        self.assertEqual(prepared.state, "draft")
        products = self.env["product.product"].search(
            [("default_code", "=like", "AS-%")]
        )
        self.assertEqual(len(products), 3)
        for product in products:
            self.assertTrue(product.image_1920, f"{product.name} has no image")
            self.assertTrue(product.website_published)

    def test_the_recurring_revenue_moves(self):
        Event = self.env["sale.standing.order.revenue.event"].with_user(
            self._user("admin")
        )
        events = Event.search([])
        self.assertLessEqual(
            {"new", "expansion", "pause", "churn"}, set(events.mapped("event_type"))
        )
        self.assertGreater(
            len({event.date.replace(day=1) for event in events}),
            2,
            "movements in several months",
        )
        churn = events.filtered(lambda event: event.event_type == "churn")
        self.assertEqual(
            churn.cancel_reason_id,
            self.env.ref("autosales_addon.cancel_reason_switched_supplier"),
        )
        self.assertTrue(churn.standing_order_id.cancel_reason)
        running = self.env["sale.standing.order"].search(
            [("state", "in", ("active", "exception"))]
        )
        self.assertAlmostEqual(
            sum(events.mapped("mrr_change")),
            sum(running.mapped("recurring_monthly")),
            places=2,
        )
        customer = self.env.ref("base.res_partner_2").with_user(self._user("demo"))
        self.assertTrue(customer.autosales_monthly_amount)
        self.assertTrue(customer.autosales_customer_since)
        self.assertGreaterEqual(customer.autosales_order_count, 2)

    def test_the_tubes_run_short(self):
        """Few tubes are left: the portal customer's first order of tubes is
        short, in the forecast and in the shortfalls the admin reads."""
        admin = self._user("admin")
        tube = self.env.ref("autosales_addon.product_fluorescent_tube")
        shortfall = (
            self.env["autosales.stock.shortfall"]
            .with_user(admin)
            .search([("product_id", "=", tube.id)])
        )
        self.assertEqual(len(shortfall), 1)
        self.assertIn(
            self.env.ref("autosales_addon.standing_order_portal_tubes"),
            shortfall.standing_order_ids,
        )
        self.assertEqual(shortfall.user_id, admin)
        rows = (
            self.env["sale.standing.order.forecast"]
            .with_user(admin)
            .search([("product_id", "=", tube.id), ("shortfall", "=", True)])
        )
        self.assertEqual(rows[:1].date, shortfall.date)
        self.assertTrue(
            self.env["sale.standing.order.forecast"]
            .with_user(admin)
            .search([("state", "=", "paused")]),
            "the paused standing order is forecast apart",
        )
