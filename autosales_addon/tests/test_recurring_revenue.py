from datetime import date, datetime

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import Form, freeze_time, tagged

from .common import AutosalesCommon
from .test_portal import PortalCommon


class RecurringRevenueCommon(AutosalesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Event = cls.env["sale.standing.order.revenue.event"]
        cls.switched = cls.env.ref("autosales_addon.cancel_reason_switched_supplier")
        cls.too_expensive = cls.env.ref("autosales_addon.cancel_reason_too_expensive")

    def _movements(self, standing_orders, user=None):
        """(date, movement, MRR change, MRR after) of ``standing_orders``,
        oldest first, as ``user`` sees them."""
        Event = self.Event.with_user(user) if user else self.Event
        events = Event.search(
            [("standing_order_id", "in", standing_orders.ids)], order="date, id"
        )
        return [
            (event.date, event.event_type, event.mrr_change, event.mrr_after)
            for event in events
        ]


@tagged("post_install", "-at_install")
class TestRecurringRevenue(RecurringRevenueCommon):
    """The monthly recurring revenue of standing orders and its movements:
    new, expansion, contraction, pause, reactivation and churn."""

    def test_monthly_amount_is_the_amount_per_order_normalised_to_a_month(self):
        # 1,000 bulbs at 2.50: 2,500 per order
        standing = self._create_standing_order(activate=False)
        for number, unit, monthly in (
            (1, "month", 2500),
            (2, "month", 1250),
            (1, "year", 208.33),
            (1, "week", 10870.54),  # 30.4375 / 7 weeks a month
            (10, "day", 7609.38),  # 30.4375 / 10 times a month
        ):
            with self.subTest(interval=(number, unit)):
                standing.write({"interval_number": number, "interval_type": unit})
                self.assertAlmostEqual(standing.monthly_amount, monthly, places=2)
        self.assertFalse(standing.recurring_monthly, "a draft does not count")
        self.assertFalse(self._movements(standing))

    def test_movements_across_the_life_of_a_standing_order(self):
        with freeze_time("2027-01-05 12:00"):
            standing = self._create_standing_order(start_date=date(2027, 2, 1))
        line = standing.line_ids
        with freeze_time("2027-02-10 12:00"):
            line.product_uom_qty = 1600
        with freeze_time("2027-03-15 12:00"):
            line.product_uom_qty = 1200
        with freeze_time("2027-03-20 12:00"):
            standing.interval_number = 1
        with freeze_time("2027-04-01 12:00"):
            standing.action_pause()
            self.assertEqual(standing.recurring_monthly, 0)
        with freeze_time("2027-05-20 12:00"):
            standing.action_resume()
            self.assertEqual(standing.recurring_monthly, 3000)
        with freeze_time("2027-06-30 12:00"):
            standing.action_cancel(
                reason="Found a cheaper wholesaler", cancel_reason_id=self.switched.id
            )
        self.assertEqual(
            self._movements(standing),
            [
                (date(2027, 1, 5), "new", 1250, 1250),
                (date(2027, 2, 10), "expansion", 750, 2000),
                (date(2027, 3, 15), "contraction", -500, 1500),
                (date(2027, 3, 20), "expansion", 1500, 3000),
                (date(2027, 4, 1), "pause", -3000, 0),
                (date(2027, 5, 20), "reactivation", 3000, 3000),
                (date(2027, 6, 30), "churn", -3000, 0),
            ],
        )
        churn = standing.revenue_event_ids.filtered(lambda e: e.event_type == "churn")
        self.assertEqual(churn.cancel_reason_id, self.switched)
        self.assertEqual(churn.partner_id, self.customer)
        self.assertEqual(churn.user_id, self.salesman)
        self.assertEqual(standing.recurring_monthly, 0)

    def test_adding_and_removing_products_moves_the_revenue(self):
        standing = self._create_standing_order()
        standing.write(
            {
                "line_ids": [
                    Command.create(
                        {"product_id": self.socket.id, "product_uom_qty": 100}
                    )
                ]
            }
        )
        socket_line = standing.line_ids.filtered(
            lambda line: line.product_id == self.socket
        )
        socket_line.unlink()
        self.assertEqual(
            [movement[1:] for movement in self._movements(standing)],
            [
                ("new", 1250, 1250),
                ("expansion", 200, 1450),
                ("contraction", -200, 1250),
            ],
        )

    def test_a_standing_order_in_exception_keeps_counting(self):
        """Stopped by a problem, not by the customer: it runs again once the
        problem is solved, and its revenue does not move meanwhile."""
        standing = self._create_standing_order()
        standing._set_exception("The credit limit is reached.")
        standing.action_resume()
        self.assertEqual(self._movements(standing)[-1][1:], ("new", 1250, 1250))
        self.assertEqual(standing.recurring_monthly, 1250)

    def test_the_end_of_a_standing_order_is_churn(self):
        with freeze_time("2027-01-01 12:00"):
            standing = self._create_standing_order(end_type="count", max_occurrences=1)
            self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        self.assertEqual(standing.state, "done")
        self.assertEqual(
            self._movements(standing),
            [
                (date(2027, 1, 1), "new", 1250, 1250),
                (date(2027, 1, 1), "churn", -1250, 0),
            ],
        )

    def test_a_paused_standing_order_cancelled_is_churn_at_zero(self):
        """Its revenue left with the pause; the churn still counts, with its
        reason."""
        standing = self._create_standing_order()
        standing.action_pause()
        standing.action_cancel(cancel_reason_id=self.too_expensive.id)
        self.assertEqual(
            [movement[1:] for movement in self._movements(standing)],
            [("new", 1250, 1250), ("pause", -1250, 0), ("churn", 0, 0)],
        )
        churn = standing.revenue_event_ids.filtered(lambda e: e.event_type == "churn")
        self.assertEqual(churn.cancel_reason_id, self.too_expensive)

    def test_a_cancelled_standing_order_run_again_is_a_reactivation(self):
        standing = self._create_standing_order()
        standing.action_cancel(cancel_reason_id=self.too_expensive.id)
        standing.action_draft()
        self.assertFalse(standing.cancel_reason_id)
        standing.action_activate()
        self.assertEqual(
            [movement[1] for movement in self._movements(standing)],
            ["new", "churn", "reactivation"],
        )

    def test_monthly_totals_of_the_report(self):
        """Grouped by month and movement as the pivot groups them; the
        changes up to a month's end add up to the MRR of that month."""
        with freeze_time("2027-01-10 12:00"):
            bulbs = self._create_standing_order()
        with freeze_time("2027-01-20 12:00"):
            dimlight = self._create_standing_order(
                partner_id=self.other_customer.id,
                interval_number=1,
                line_ids=[
                    Command.create({"product_id": self.bulb.id, "product_uom_qty": 500})
                ],
            )
        with freeze_time("2027-02-05 12:00"):
            bulbs.line_ids.product_uom_qty = 2000
        with freeze_time("2027-03-03 12:00"):
            dimlight.action_cancel(cancel_reason_id=self.too_expensive.id)
        with freeze_time("2027-03-08 12:00"):
            bulbs.action_pause()
        domain = [("standing_order_id", "in", (bulbs | dimlight).ids)]
        Event = self.Event.with_user(self.manager)
        totals = {
            (month.strftime("%Y-%m"), event_type): amount
            for month, event_type, amount in Event._read_group(
                domain, ["date:month", "event_type"], ["mrr_change:sum"]
            )
        }
        self.assertEqual(
            totals,
            {
                ("2027-01", "new"): 2500,
                ("2027-02", "expansion"): 1250,
                ("2027-03", "churn"): -1250,
                ("2027-03", "pause"): -2500,
            },
        )
        mrr_at_month_end = {
            month: Event._read_group(
                domain + [("date", "<=", month)], [], ["mrr_change:sum"]
            )[0][0]
            for month in (date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31))
        }
        self.assertEqual(list(mrr_at_month_end.values()), [2500, 3750, 0])
        [(reason, churned)] = Event._read_group(
            domain + [("event_type", "=", "churn")],
            ["cancel_reason_id"],
            ["mrr_change:sum"],
        )
        self.assertEqual((reason, churned), (self.too_expensive, -1250))

    def test_revenue_is_counted_in_the_company_currency(self):
        other_currency = self.env.ref("base.EUR")
        if other_currency == self.company.currency_id:
            other_currency = self.env.ref("base.USD")
        other_currency.active = True
        self.env["res.currency.rate"].create(
            {
                "name": date(2027, 1, 1),
                "currency_id": other_currency.id,
                "company_id": self.company.id,
                "rate": 2.0,
            }
        )
        pricelist = self.env["product.pricelist"].create(
            {"name": "Foreign prices", "currency_id": other_currency.id}
        )
        with freeze_time("2027-02-01 12:00"):
            standing = self._create_standing_order(
                pricelist_id=pricelist.id,
                line_ids=[
                    Command.create(
                        {
                            "product_id": self.bulb.id,
                            "product_uom_qty": 1000,
                            "price_unit": 5.0,
                        }
                    )
                ],
            )
        self.assertEqual(standing.monthly_amount, 2500, "in the pricelist currency")
        self.assertEqual(standing.recurring_monthly, 1250, "in the company currency")
        event = standing.revenue_event_ids
        self.assertEqual(event.currency_id, self.company.currency_id)
        self.assertEqual(event.mrr_change, 1250)

    def test_standing_orders_running_before_the_report_enter_it_as_new(self):
        standing = self._create_standing_order(start_date=date(2026, 9, 1))
        # As found after an update of the module from a version without it.
        standing.revenue_event_ids.unlink()
        standing.recurring_monthly = 0
        self.StandingOrder._init_recurring_revenue()
        self.assertEqual(
            self._movements(standing), [(date(2026, 9, 1), "new", 1250, 1250)]
        )
        self.StandingOrder._init_recurring_revenue()
        self.assertEqual(len(self._movements(standing)), 1, "recorded once")


@tagged("post_install", "-at_install")
class TestCustomerFigures(RecurringRevenueCommon):
    def test_customer_form_shows_monthly_amount_since_and_orders(self):
        self._create_standing_order()  # 1,250 a month
        self._create_standing_order(interval_number=1)  # 2,500 a month
        self._create_standing_order().action_pause()
        self._create_standing_order(activate=False)
        for order_date, confirm in (
            (datetime(2026, 3, 14, 10), True),
            (datetime(2026, 1, 2, 10), False),  # a quotation only
            (datetime(2026, 6, 1, 10), True),
        ):
            order = self.SaleOrder.create(
                {
                    "partner_id": self.customer_contact.id,
                    "order_line": [
                        Command.create(
                            {"product_id": self.bulb.id, "product_uom_qty": 1}
                        )
                    ],
                }
            )
            if confirm:
                order.action_confirm()
            order.date_order = order_date
        for partner in (self.customer, self.customer_contact):
            partner = partner.with_user(self.manager)
            with self.subTest(partner=partner.name):
                self.assertEqual(partner.autosales_monthly_amount, 3750)
                self.assertEqual(partner.autosales_customer_since, date(2026, 3, 14))
                self.assertEqual(partner.autosales_order_count, 2)
                self.assertEqual(
                    partner.autosales_currency_id, self.company.currency_id
                )
        other = self.other_customer.with_user(self.manager)
        self.assertEqual(other.autosales_monthly_amount, 0)
        self.assertFalse(other.autosales_customer_since)
        self.assertEqual(other.autosales_order_count, 0)


@tagged("post_install", "-at_install")
class TestCancelReasons(RecurringRevenueCommon):
    def test_cancel_several_from_the_list(self):
        first, second = self._create_standing_order(), self._create_standing_order()
        done = self._create_standing_order()
        done.action_cancel(cancel_reason_id=self.switched.id)
        list_action = self.env.ref(
            "autosales_addon.action_server_sale_standing_order_cancel"
        ).with_user(self.salesman)
        # Finished ones among them: refused with their names.
        with self.assertRaises(UserError):
            list_action.with_context(
                active_model="sale.standing.order",
                active_ids=(first | done).ids,
            ).run()
        action = list_action.with_context(
            active_model="sale.standing.order", active_ids=(first | second).ids
        ).run()
        form = Form(
            self.env[action["res_model"]]
            .with_user(self.salesman)
            .with_context(**action["context"])
        )
        form.cancel_reason_id = self.switched
        form.save().action_cancel()
        self.assertEqual((first | second).mapped("state"), ["cancelled"] * 2)
        self.assertEqual((first | second).cancel_reason_id, self.switched)

    def test_cancel_button_asks_for_a_reason(self):
        standing = self._create_standing_order()
        action = standing.with_user(self.salesman).action_open_cancel_wizard()
        Wizard = (
            self.env[action["res_model"]]
            .with_user(self.salesman)
            .with_context(**action["context"])
        )
        form = Form(Wizard)
        form.note = "Moving to LED panels"
        with self.assertRaises(AssertionError, msg="the reason is required"):
            form.save()
        self.assertEqual(standing.state, "active")
        form.cancel_reason_id = self.switched
        form.save().action_cancel()
        self.assertEqual(standing.state, "cancelled")
        self.assertEqual(standing.cancel_reason_id, self.switched)
        self.assertEqual(standing.cancel_reason, "Moving to LED panels")
        self.assertEqual(
            standing.revenue_event_ids.filtered(
                lambda e: e.event_type == "churn"
            ).cancel_reason_id,
            self.switched,
        )
        # Tracking is written when the transaction commits.
        self.env.flush_all()
        self.env.cr.precommit.run()
        tracked = standing.message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "cancel_reason_id"
        )
        self.assertEqual(tracked.new_value_char, "Switched supplier")

    def test_archived_reasons_are_not_offered(self):
        self.too_expensive.active = False
        reasons = self.env["autosales.cancel.reason"].search([])
        self.assertIn(self.switched, reasons)
        self.assertNotIn(self.too_expensive, reasons)


@tagged("post_install", "-at_install")
class TestRecurringRevenueAccess(RecurringRevenueCommon):
    """Salespeople see the movements of their own standing orders, managers
    all of them, users of another company none."""

    def test_salesman_sees_own_manager_all_other_company_nothing(self):
        mine = self._create_standing_order()
        theirs = self._create_standing_order(user_id=self.manager.id)
        # A salesperson's change is recorded, though they cannot write movements.
        mine.line_ids.with_user(self.salesman).product_uom_qty = 2000
        both = mine | theirs
        self.assertEqual(
            [m[1] for m in self._movements(both, user=self.salesman)],
            ["new", "expansion"],
        )
        self.assertEqual(len(self._movements(both, user=self.manager)), 3)
        other_company = self.env["res.company"].create({"name": "AutoSales Elsewhere"})
        stranger = self.env["res.users"].create(
            {
                "name": "Elsewhere Manager",
                "login": "autosales_elsewhere_manager",
                "company_id": other_company.id,
                "company_ids": [Command.set(other_company.ids)],
                "groups_id": [
                    Command.set(self.env.ref("sales_team.group_sale_manager").ids)
                ],
            }
        )
        self.assertFalse(self._movements(both, user=stranger))

    def test_movements_are_read_only(self):
        standing = self._create_standing_order()
        event = standing.revenue_event_ids.with_user(self.manager)
        for operation in ("create", "write", "unlink"):
            with self.subTest(operation=operation):
                self.assertFalse(event.has_access(operation))


@tagged("post_install", "-at_install")
class TestPortalCancelReason(PortalCommon):
    """A customer cancelling in the portal picks a reason; what they wrote
    is kept as a note."""

    def setUp(self):
        super().setUp()
        self.switched = self.env.ref("autosales_addon.cancel_reason_switched_supplier")
        self.authenticate("autosales_portal", "autosales_portal")

    def test_portal_cancel_records_the_reason_and_keeps_the_text(self):
        page = self._page(self.standing.get_portal_url()).text
        self.assertIn('name="reason_id"', page)
        self.assertIn("Switched supplier", page)
        self._post(
            self.standing,
            "cancel",
            {"reason_id": str(self.switched.id), "reason": "Moving to LED panels"},
        )
        self.assertEqual(self.standing.state, "cancelled")
        self.assertEqual(self.standing.cancel_reason_id, self.switched)
        self.assertEqual(self.standing.cancel_reason, "Moving to LED panels")
        churn = self.standing.revenue_event_ids.filtered(
            lambda e: e.event_type == "churn"
        )
        self.assertEqual(churn.cancel_reason_id, self.switched)

    def test_portal_cancel_without_a_valid_reason_is_refused(self):
        archived = self.env.ref("autosales_addon.cancel_reason_too_expensive")
        archived.active = False
        for data in (
            {"reason": "no reason chosen"},
            {"reason_id": "abc"},
            {"reason_id": str(archived.id)},
            {"reason_id": "999999999"},
        ):
            with self.subTest(data=data):
                response = self._post(self.standing, "cancel", data)
                self.assertIn("Choose why", self._flash(response))
                self.assertEqual(self.standing.state, "active")

    def test_portal_cancel_needs_the_csrf_token(self):
        response = self._post(
            self.standing, "cancel", {"reason_id": str(self.switched.id)}, csrf=False
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.standing.state, "active")
