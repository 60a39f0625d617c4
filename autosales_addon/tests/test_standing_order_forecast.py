from datetime import date

from dateutil.relativedelta import relativedelta

from odoo.fields import Command
from odoo.tests import freeze_time, tagged

from .common import AutosalesCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-11-23")
class TestStandingOrderForecast(AutosalesCommon):
    """The forecast lists the orders the running standing orders will make
    over the coming year, as the scheduled action will make them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Forecast = cls.env["sale.standing.order.forecast"]

    def _forecast(self, standing, user=None):
        # Rows are computed by the query: drop what the cache holds of them.
        self.Forecast.invalidate_model()
        Forecast = self.Forecast.with_user(user) if user else self.Forecast
        return Forecast.search([("standing_order_id", "in", standing.ids)])

    def test_month_ends_and_horizon(self):
        """Monthly from a 31st: every date is its month's last day, as
        generated, and nothing falls a year or more after today."""
        standing = self._create_standing_order(
            interval_number=1, start_date=date(2027, 1, 31)
        )
        rows = self._forecast(standing)
        self.assertEqual(
            rows.mapped("date"),
            [
                date(2027, 1, 31),
                date(2027, 2, 28),
                date(2027, 3, 31),
                date(2027, 4, 30),
                date(2027, 5, 31),
                date(2027, 6, 30),
                date(2027, 7, 31),
                date(2027, 8, 31),
                date(2027, 9, 30),
                date(2027, 10, 31),
            ],
        )
        self.assertEqual(rows.mapped("occurrence"), list(range(1, 11)))
        self.assertEqual(
            rows.mapped("date"),
            [standing._get_occurrence_date(index) for index in range(10)],
        )
        self.assertEqual(set(rows.mapped("product_qty")), {1000})
        self.assertEqual(rows.partner_id, self.customer)
        self.assertEqual(rows.user_id, self.salesman)

    def test_follows_generation(self):
        """Once orders are generated, the forecast starts at the next one and
        counts only the orders left."""
        standing = self._create_standing_order(
            start_date=date(2026, 11, 23), end_type="count", max_occurrences=3
        )
        self.assertEqual(len(self._forecast(standing)), 3)
        standing._generate_due_orders(until=date(2026, 11, 23))
        rows = self._forecast(standing)
        self.assertEqual(rows.mapped("date"), [date(2027, 1, 23), date(2027, 3, 23)])
        self.assertEqual(rows.mapped("occurrence"), [2, 3])
        self.assertEqual(rows[0].date, standing.next_date)
        # A skipped order does not count: two orders are still to come.
        standing.action_skip_next()
        rows = self._forecast(standing)
        self.assertEqual(rows.mapped("date"), [date(2027, 3, 23), date(2027, 5, 23)])
        self.assertEqual(rows.mapped("occurrence"), [3, 4])

    def test_end_date_and_changed_schedule(self):
        """An end date stops the forecast; moving the next order re-plans
        every later one."""
        standing = self._create_standing_order(
            interval_number=2,
            interval_type="week",
            start_date=date(2027, 1, 4),
            end_type="date",
            end_date=date(2027, 2, 28),
        )
        self.assertEqual(
            self._forecast(standing).mapped("date"),
            [date(2027, 1, 4), date(2027, 1, 18), date(2027, 2, 1), date(2027, 2, 15)],
        )
        standing.next_date = date(2027, 1, 6)
        self.assertEqual(
            self._forecast(standing).mapped("date"),
            [date(2027, 1, 6), date(2027, 1, 20), date(2027, 2, 3), date(2027, 2, 17)],
        )

    def test_stopped_standing_orders_shown_apart(self):
        """Draft and cancelled standing orders plan nothing; paused ones and
        those in exception are forecast with their state, as if they resumed
        today, and the default filter leaves them out."""
        draft = self._create_standing_order(activate=False)
        cancelled = self._create_standing_order()
        cancelled.action_cancel()
        self.assertFalse(self._forecast(draft | cancelled))
        # Monthly from October 1: resuming skips the orders of the pause.
        paused = self._create_standing_order(
            interval_number=1, start_date=date(2026, 10, 1)
        )
        paused.action_pause()
        rows = self._forecast(paused)
        self.assertEqual(rows[0].date, date(2026, 12, 1))
        self.assertEqual(set(rows.mapped("state")), {"paused"})
        # In exception, its overdue order is placed once the problem is solved.
        failing = self._create_standing_order(
            interval_number=1, start_date=date(2026, 10, 1)
        )
        failing._set_exception("Test problem")
        rows = self._forecast(failing)
        self.assertEqual(rows[0].date, date(2026, 10, 1))
        self.assertEqual(set(rows.mapped("state")), {"exception"})
        running = self._create_standing_order()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "autosales_addon.action_sale_standing_order_forecast"
        )
        self.assertIn("search_default_running", action["context"])
        running_filter = [("state", "=", "active")]
        self.assertEqual(
            self.Forecast.search(
                running_filter
                + [("standing_order_id", "in", (paused | failing | running).ids)]
            ).standing_order_id,
            running,
        )
        paused.action_resume()
        self.assertEqual(set(self._forecast(paused).mapped("state")), {"active"})

    def test_quantities_add_up_per_product(self):
        """Quantities are in the product's unit, so that they add up per
        product and month; each line of a standing order has its rows."""
        dozen = self.env.ref("uom.product_uom_dozen")
        standing = self._create_standing_order(
            interval_number=1,
            interval_type="year",
            start_date=date(2027, 3, 1),
            line_ids=[
                Command.create(
                    {
                        "product_id": self.bulb.id,
                        "product_uom_qty": 10,
                        "product_uom": dozen.id,
                    }
                ),
                Command.create({"product_id": self.socket.id, "product_uom_qty": 4}),
            ],
        )
        other = self._create_standing_order(
            partner_id=self.other_customer.id,
            interval_number=6,
            start_date=date(2027, 1, 15),
        )
        totals = dict(
            self.Forecast._read_group(
                [("standing_order_id", "in", (standing | other).ids)],
                ["product_id"],
                ["product_qty:sum"],
            )
        )
        self.assertEqual(totals, {self.bulb: 120 + 2 * 1000, self.socket: 4})
        # The pivot view's default layout: per month.
        per_month = dict(
            self.Forecast._read_group(
                [("standing_order_id", "in", (standing | other).ids)],
                ["date:month"],
                ["product_qty:sum"],
            )
        )
        self.assertEqual(
            per_month,
            {date(2027, 1, 1): 1000, date(2027, 3, 1): 124, date(2027, 7, 1): 1000},
        )
        bulb_rows = self._forecast(standing).filtered(
            lambda row: row.product_id == self.bulb
        )
        self.assertEqual(bulb_rows.product_uom_id, self.bulb.uom_id)

    def test_daily_standing_order_fills_the_year(self):
        standing = self._create_standing_order(
            interval_number=1, interval_type="day", start_date=date(2026, 11, 24)
        )
        rows = self._forecast(standing)
        self.assertEqual(len(rows), 364)
        self.assertEqual(rows[-1].date, date(2027, 11, 22))
        self.assertEqual(len(set(rows.ids)), 364)

    def test_overdue_standing_order_still_fills_the_year(self):
        """Orders not generated yet (the scheduler did not run) are listed,
        and the forecast still reaches a year ahead."""
        standing = self._create_standing_order(
            interval_number=1, interval_type="day", start_date=date(2026, 11, 24)
        )
        standing.next_date = date(2026, 10, 24)
        rows = self._forecast(standing)
        self.assertEqual(rows[0].date, date(2026, 10, 24))
        self.assertEqual(rows[-1].date, date(2027, 11, 22))
        # Every day from the overdue one to the last before the horizon.
        self.assertEqual(len(rows), (date(2027, 11, 22) - date(2026, 10, 24)).days + 1)

    def test_salesman_sees_own_standing_orders(self):
        """The forecast follows the access of the standing orders: a salesman
        sees the orders of his own standing orders only."""
        mine = self._create_standing_order()
        theirs = self._create_standing_order(user_id=self.manager.id)
        rows = self._forecast(mine | theirs, user=self.salesman)
        self.assertEqual(rows.standing_order_id, mine)
        self.assertEqual(
            self._forecast(mine | theirs, user=self.manager).standing_order_id,
            mine | theirs,
        )

    def test_forecast_button(self):
        standing = self._create_standing_order()
        action = standing.action_view_forecast()
        self.assertEqual(action["res_model"], "sale.standing.order.forecast")
        rows = self.Forecast.search(action["domain"])
        self.assertEqual(rows.standing_order_id, standing)
        self.assertEqual(rows[0].date + relativedelta(months=2), rows[1].date)

    def test_rows_of_a_long_overdue_standing_order_keep_distinct_ids(self):
        # Daily and 1,100 orders behind: the steps of its first line must not
        # take the ids of its second line's rows.
        standing = self._create_standing_order(
            interval_number=1,
            interval_type="day",
            start_date=date(2023, 11, 19),
            line_ids=[
                Command.create({"product_id": self.bulb.id, "product_uom_qty": 1}),
                Command.create({"product_id": self.socket.id, "product_uom_qty": 2}),
            ],
        )
        self.assertEqual(standing.line_ids[1].id, standing.line_ids[0].id + 1)
        rows = self._forecast(standing)
        self.assertGreater(len(rows), 2 * 1100)
        self.assertEqual(len(set(rows.ids)), len(rows))
        self.assertEqual(
            len(rows.filtered(lambda row: row.product_id == self.socket)),
            len(rows) // 2,
        )
