from datetime import date, datetime

from odoo import fields
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import HttpCase, freeze_time, tagged

from .common import AutosalesCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-11-23")
class TestStockForecast(AutosalesCommon):
    """The forecast against the stock: amounts, warehouses, shortfalls, the
    responsible's activity and the product's forecasted report.

    The stock position of most tests, computed by hand: 100 lamps on hand,
    50 received on Wednesday December 2, and a standing order taking 40 every
    Monday from today (Monday November 23):

    ====== ========== ===================== =========
    day    cumulated  on hand + receipts    short
    ====== ========== ===================== =========
    11-23   40        100
    11-30   80        100
    12-07  120        150
    12-14  160        150                   10
    ====== ========== ===================== =========
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Forecast = cls.env["sale.standing.order.forecast"]
        cls.Shortfall = cls.env["autosales.stock.shortfall"]
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.stock_user = cls.env["res.users"].create(
            {
                "name": "Ivy Inventory",
                "login": "autosales_inventory",
                "email": "ivy@example.com",
                "groups_id": [Command.set(cls.env.ref("stock.group_stock_user").ids)],
            }
        )
        cls.lamp = cls.env["product.product"].create(
            {
                "name": "Desk Lamp",
                "type": "consu",
                "is_storable": True,
                "list_price": 2.5,
                "sale_ok": True,
                "responsible_id": cls.stock_user.id,
            }
        )
        cls.env["stock.quant"]._update_available_quantity(
            cls.lamp, cls.warehouse.lot_stock_id, 100
        )
        cls.company.autosales_shortfall_days = 14

    def _weekly_lamps(self, **values):
        return self._create_standing_order(
            interval_number=1,
            interval_type="week",
            start_date=date(2026, 11, 23),
            line_ids=[
                Command.create({"product_id": self.lamp.id, "product_uom_qty": 40})
            ],
            **values,
        )

    def _move(self, quantity, when, incoming=True, product=None):
        stock = self.warehouse.lot_stock_id
        outside = self.env.ref(
            "stock.stock_location_suppliers"
            if incoming
            else "stock.stock_location_customers"
        )
        move = self.env["stock.move"].create(
            {
                "name": "Planned move",
                "product_id": (product or self.lamp).id,
                "product_uom_qty": quantity,
                "product_uom": (product or self.lamp).uom_id.id,
                "location_id": (outside if incoming else stock).id,
                "location_dest_id": (stock if incoming else outside).id,
                "date": when,
            }
        )
        move._action_confirm()
        self.assertEqual(move.date, when)
        return move

    def _shortfall(self, product=None, user=None):
        Shortfall = self.Shortfall.with_user(user) if user else self.Shortfall
        return Shortfall.search([("product_id", "=", (product or self.lamp).id)])

    def _activities(self, product=None):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "product.template"),
                ("res_id", "=", (product or self.lamp).product_tmpl_id.id),
                (
                    "activity_type_id",
                    "=",
                    self.env.ref(
                        "autosales_addon.mail_activity_type_stock_shortfall"
                    ).id,
                ),
            ]
        )

    # === FORECAST === #

    def test_amount_estimated_from_todays_prices(self):
        standing = self._weekly_lamps()
        self.Forecast.invalidate_model()
        rows = self.Forecast.search([("standing_order_id", "=", standing.id)])
        self.assertEqual(set(rows.mapped("amount")), {100.0})
        self.assertEqual(rows.currency_id, self.company.currency_id)
        self.assertIn("today's prices", self.Forecast._fields["amount"].help)
        # An agreed price wins; a pricelist change moves the estimate.
        standing.line_ids.price_unit = 2.0
        self.Forecast.invalidate_model()
        self.assertEqual(set(rows.mapped("amount")), {80.0})
        standing.line_ids.price_unit = 0
        self.pricelist.item_ids = [
            Command.create(
                {
                    "applied_on": "0_product_variant",
                    "product_id": self.lamp.id,
                    "compute_price": "fixed",
                    "fixed_price": 3.0,
                }
            )
        ]
        self.Forecast.invalidate_model()
        self.assertEqual(set(rows.mapped("amount")), {120.0})

    def test_warehouse_of_the_standing_order(self):
        """Rows and generated orders take the standing order's warehouse,
        by default the one a quotation of its salesperson gets."""
        standing = self._weekly_lamps()
        self.assertEqual(standing.warehouse_id, self.warehouse)
        other = self.env["stock.warehouse"].create(
            {"name": "Second Warehouse", "code": "WH2", "company_id": self.company.id}
        )
        # A second warehouse applies the settings, which archive pricelists
        # while their group is off.
        self.pricelist.action_unarchive()
        standing.warehouse_id = other
        self.Forecast.invalidate_model()
        rows = self.Forecast.search([("standing_order_id", "=", standing.id)])
        self.assertEqual(rows.warehouse_id, other)
        order = standing._generate_due_orders(until=date(2026, 11, 23))
        self.assertEqual((standing.state, standing.exception_reason), ("active", False))
        self.assertEqual(order.warehouse_id, other)
        self.assertEqual(order.picking_ids.picking_type_id.warehouse_id, other)

    # === SHORTFALL === #

    def test_shortfall_against_hand_computed_stock(self):
        self._weekly_lamps()
        self._move(50, datetime(2026, 12, 2, 10, 0))
        self.Shortfall._refresh_shortfalls()
        shortfall = self._shortfall()
        self.assertEqual(len(shortfall), 1)
        self.assertEqual(shortfall.date, date(2026, 12, 14))
        self.assertEqual(shortfall.warehouse_id, self.warehouse)
        self.assertAlmostEqual(shortfall.quantity, 10)
        self.assertAlmostEqual(shortfall.demand_qty, 160)
        self.assertAlmostEqual(shortfall.available_qty, 150)
        # The forecast flags the rows from that day on.
        self.Forecast.invalidate_model()
        rows = self.Forecast.search([("product_id", "=", self.lamp.id)])
        self.assertEqual(
            rows.filtered("shortfall").mapped("date")[:2],
            [date(2026, 12, 14), date(2026, 12, 21)],
        )
        self.assertFalse(
            rows.filtered(lambda row: row.date < date(2026, 12, 14)).filtered(
                "shortfall"
            )
        )

    def test_planned_delivery_brings_the_shortfall_forward(self):
        """Another order delivering 40 on December 3: 110 left on the 7th
        for 120 ordered."""
        self._weekly_lamps()
        self._move(50, datetime(2026, 12, 2, 10, 0))
        self._move(40, datetime(2026, 12, 3, 10, 0), incoming=False)
        self.Shortfall._refresh_shortfalls()
        shortfall = self._shortfall()
        self.assertEqual(shortfall.date, date(2026, 12, 7))
        self.assertAlmostEqual(shortfall.quantity, 10)
        self.assertAlmostEqual(shortfall.available_qty, 110)

    def test_generated_order_is_not_counted_twice(self):
        """Today's order, once generated, is a delivery of the stock and no
        longer a forecast row: the shortfall stays where it was."""
        standing = self._weekly_lamps()
        self._move(50, datetime(2026, 12, 2, 10, 0))
        order = standing._generate_due_orders(until=date(2026, 11, 23))
        self.assertEqual(order.state, "sale")
        self.Shortfall._refresh_shortfalls()
        shortfall = self._shortfall()
        self.assertEqual(shortfall.date, date(2026, 12, 14))
        self.assertAlmostEqual(shortfall.quantity, 10)
        self.assertAlmostEqual(shortfall.demand_qty, 120)
        self.assertAlmostEqual(shortfall.available_qty, 110)

    def test_no_shortfall_with_enough_stock_and_paused_orders_do_not_count(self):
        standing = self._weekly_lamps(end_type="count", max_occurrences=2)
        paused = self._weekly_lamps()
        paused.action_pause()
        self.Shortfall._refresh_shortfalls()
        self.assertFalse(self._shortfall())
        # In exception, it runs again once the problem is solved: it counts.
        paused.action_resume()
        paused._set_exception("Test problem")
        self.Shortfall._refresh_shortfalls()
        shortfall = self._shortfall()
        self.assertEqual(shortfall.date, date(2026, 11, 30))
        self.assertEqual(shortfall.standing_order_ids, standing | paused)

    def test_shortfall_disappears_with_stock(self):
        self._weekly_lamps()
        self.Shortfall._refresh_shortfalls()
        self.assertEqual(self._shortfall().date, date(2026, 12, 7))
        self.env["stock.quant"]._update_available_quantity(
            self.lamp, self.warehouse.lot_stock_id, 10000
        )
        self.Shortfall._refresh_shortfalls()
        self.assertFalse(self._shortfall())

    def test_shortfall_needs_the_salespersons_attention(self):
        standing = self._weekly_lamps()
        self._move(50, datetime(2026, 12, 2, 10, 0))
        Attention = self.env["autosales.attention"]
        self.Shortfall._refresh_shortfalls()
        Attention._sync_items(reasons=["shortfall"])
        self.assertFalse(
            Attention.search([("reason", "=", "shortfall")]),
            "December 14 is beyond the 14 days",
        )
        self.company.autosales_shortfall_days = 21
        Attention._sync_items(reasons=["shortfall"])
        item = Attention.with_user(self.salesman).search([("reason", "=", "shortfall")])
        self.assertEqual(len(item), 1)
        self.assertEqual(item.standing_order_id, standing)
        self.assertEqual(item.product_id, self.lamp)
        self.assertEqual(item.user_id, self.salesman)
        self.assertIn("short of 10.00 Units of Desk Lamp", item.description)
        self.assertIn("12/14/2026", item.description)
        action = item.action_fix()
        self.assertEqual(action["res_model"], "sale.standing.order.forecast")
        # The forecast it opens lists the orders that make the shortfall.
        rows = self.Forecast.search(action["domain"])
        self.assertEqual(rows.standing_order_id, standing)
        self.assertEqual(rows.product_id, self.lamp)
        # Also when the standing order is in exception (it counts as demand),
        # which the default "Running" filter would hide.
        standing.write({"state": "exception", "exception_reason": "Test"})
        self.Forecast.invalidate_model()
        self.assertEqual(
            self.Forecast.search(action["domain"]).standing_order_id, standing
        )
        self.assertFalse(action["context"].get("search_default_running"))
        standing.write({"state": "active", "exception_reason": False})
        # Stock arrives: the shortfall and its row go.
        self._move(100, datetime(2026, 12, 10, 10, 0))
        self.Shortfall._refresh_shortfalls()
        Attention._sync_items(reasons=["shortfall"])
        self.assertFalse(item.exists())

    def test_shortfall_rows_of_one_salesperson(self):
        """A refresh of one salesperson's rows makes those of their standing
        orders short, not of the others' short of the same product."""
        mine = self._weekly_lamps()
        self._weekly_lamps(user_id=self.manager.id)
        self.Shortfall._refresh_shortfalls()
        self.assertEqual(len(self._shortfall().standing_order_ids), 2)
        Attention = self.env["autosales.attention"]
        Attention._sync_items(reasons=["shortfall"], users=self.salesman)
        rows = Attention.search([("reason", "=", "shortfall")])
        self.assertEqual(rows.standing_order_id, mine)

    # === ACTIVITIES === #

    def test_activity_for_the_responsible_within_the_days(self):
        """December 14 is 21 days away: beyond the 14 days set, nobody is
        told; with 21 days, the responsible gets one activity, once."""
        self._weekly_lamps()
        self._move(50, datetime(2026, 12, 2, 10, 0))
        self.Shortfall._cron_refresh_shortfalls()
        self.assertTrue(self._shortfall())
        self.assertFalse(self._activities())
        self.company.autosales_shortfall_days = 21
        self.Shortfall._cron_refresh_shortfalls()
        activity = self._activities()
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.stock_user)
        self.assertEqual(activity.date_deadline, date(2026, 11, 23))
        self.assertEqual(activity.summary, "Short of 10 Units on 12/14/2026")
        self.assertIn("Standing orders need 160", str(activity.note))
        self.Shortfall._cron_refresh_shortfalls()
        self.assertEqual(self._activities(), activity)
        # Done, it is not planned again while the shortfall lasts.
        activity.action_feedback(feedback="Ordered more")
        self.Shortfall._cron_refresh_shortfalls()
        self.assertFalse(self._activities())
        self.assertEqual(self._shortfall().activity_date, date(2026, 11, 23))

    def test_activity_withdrawn_when_stock_arrives(self):
        self._weekly_lamps()
        self.Shortfall._cron_refresh_shortfalls()
        self.assertEqual(len(self._activities()), 1)
        # Enough for the year: 53 orders of 40.
        self._move(2200, datetime(2026, 11, 25, 10, 0))
        self.Shortfall._cron_refresh_shortfalls()
        self.assertFalse(self._shortfall())
        self.assertFalse(self._activities())

    def test_no_activity_when_off_and_salesperson_without_responsible(self):
        self._weekly_lamps()
        self.company.autosales_shortfall_days = 0
        self.Shortfall._cron_refresh_shortfalls()
        self.assertTrue(self._shortfall())
        self.assertFalse(self._activities())
        self.company.autosales_shortfall_days = 14
        self.lamp.responsible_id = False
        self.Shortfall._cron_refresh_shortfalls()
        self.assertEqual(self._activities().user_id, self.salesman)

    def test_due_shortfalls_for_other_features(self):
        self._weekly_lamps()
        self._move(50, datetime(2026, 12, 2, 10, 0))
        self.Shortfall._refresh_shortfalls()
        self.assertFalse(
            self.Shortfall._get_due_shortfalls().filtered(
                lambda s: s.product_id == self.lamp
            )
        )
        due = self.Shortfall._get_due_shortfalls(days=30)
        self.assertIn(self._shortfall(), due)

    # === FORECASTED REPORT === #

    def test_forecasted_report_shows_planned_quantities(self):
        self._weekly_lamps()
        self._move(50, datetime(2026, 12, 2, 10, 0))
        self.Shortfall._refresh_shortfalls()
        for report, ids in (
            ("stock.forecasted_product_product", self.lamp.ids),
            ("stock.forecasted_product_template", self.lamp.product_tmpl_id.ids),
        ):
            docs = (
                self.env[report]
                .with_user(self.stock_user)
                .with_context(warehouse_id=self.warehouse.id)
                .get_report_values(docids=ids)["docs"]
            )
            planned = docs["autosales_planned"]
            self.assertEqual(
                [(line["date"], line["quantity"]) for line in planned["lines"][:4]],
                [
                    ("11/23/2026", 40),
                    ("11/30/2026", 40),
                    ("12/07/2026", 40),
                    ("12/14/2026", 40),
                ],
            )
            self.assertEqual(
                [line["shortfall"] for line in planned["lines"][:4]],
                [False, False, False, True],
            )
            self.assertEqual(planned["shortfall_date"], "12/14/2026")
            self.assertEqual(planned["total"], 40 * len(planned["lines"]))
            # Nothing is reserved: Odoo's forecasted quantity is unchanged.
            self.assertEqual(docs["virtual_available"], 150)

    # === ACCESS === #

    def test_access(self):
        """Salesmen see the forecast and the shortfalls of their standing
        orders, managers all of them, another company's users nothing."""
        tube = self.env["product.product"].create(
            {"name": "Lamp Tube", "type": "consu", "is_storable": True}
        )
        mine = self._weekly_lamps()
        theirs = self._create_standing_order(
            user_id=self.manager.id,
            interval_number=1,
            interval_type="week",
            start_date=date(2026, 11, 23),
            line_ids=[Command.create({"product_id": tube.id, "product_uom_qty": 5})],
        )
        self.Shortfall._refresh_shortfalls()
        self.Forecast.invalidate_model()
        forecast = [("standing_order_id", "in", (mine | theirs).ids)]
        shortfalls = [("product_id", "in", (self.lamp | tube).ids)]
        self.assertEqual(
            self.Forecast.with_user(self.salesman).search(forecast).standing_order_id,
            mine,
        )
        self.assertEqual(
            self.Shortfall.with_user(self.salesman).search(shortfalls).product_id,
            self.lamp,
        )
        self.assertEqual(
            self.Forecast.with_user(self.manager).search(forecast).standing_order_id,
            mine | theirs,
        )
        self.assertEqual(
            self.Shortfall.with_user(self.manager).search(shortfalls).product_id,
            self.lamp | tube,
        )
        with self.assertRaises(AccessError):
            self.Shortfall.with_user(self.salesman).action_refresh()
        checked = self.Shortfall.with_user(self.manager).action_refresh()
        self.assertIn("2 product(s) will run short", checked["params"]["message"])
        other_company = self.env["res.company"].create({"name": "Other Lamps Inc."})
        outsider = self.env["res.users"].create(
            {
                "name": "Otto Outsider",
                "login": "autosales_outsider",
                "company_id": other_company.id,
                "company_ids": [Command.set(other_company.ids)],
                "groups_id": [
                    Command.set(self.env.ref("sales_team.group_sale_manager").ids)
                ],
            }
        )
        self.assertFalse(self.Forecast.with_user(outsider).search(forecast))
        self.assertFalse(self.Shortfall.with_user(outsider).search(shortfalls))


@tagged("post_install", "-at_install")
class TestStockForecastTour(AutosalesCommon, HttpCase):
    """The product's forecasted report shows what the standing orders plan,
    in a real browser."""

    def test_forecasted_report_in_the_browser(self):
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.company.id)], limit=1
        )
        lamp = self.env["product.product"].create(
            {"name": "Tour Lamp", "type": "consu", "is_storable": True}
        )
        self.env["stock.quant"]._update_available_quantity(
            lamp, warehouse.lot_stock_id, 100
        )
        # 40 every week from today: the third order is short.
        self._create_standing_order(
            interval_number=1,
            interval_type="week",
            start_date=fields.Date.today(),
            line_ids=[Command.create({"product_id": lamp.id, "product_uom_qty": 40})],
        )
        self.env["autosales.stock.shortfall"]._refresh_shortfalls()
        self.start_tour(
            f"/odoo/action-stock.product_template_action_product/{lamp.product_tmpl_id.id}",
            "autosales_stock_forecast_tour",
            login="admin",
        )
