from datetime import date

from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tests import freeze_time, tagged

from .common import AutosalesCommon

OCCURRENCE = date(2027, 1, 1)
PREPARATION_DAY = date(2026, 12, 27)  # five days ahead


@tagged("post_install", "-at_install")
class TestStandingOrderPreview(AutosalesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.autosales_preview_days = 5

    def _prepare(self, today=PREPARATION_DAY):
        return self.StandingOrder._cron_prepare_orders(today=today)

    def _generate(self, until=OCCURRENCE):
        return self.StandingOrder._generate_due_orders(until=until)

    def _prepared_mails(self, standing):
        return standing.message_ids.filtered(
            lambda m: "please review your next order" in (m.subject or "")
        )

    def test_company_default_and_off_by_default(self):
        previewed = self._create_standing_order()
        self.assertEqual(previewed.preview_days, 5)
        self.company.autosales_preview_days = 0
        standing = self._create_standing_order()
        self.assertEqual(standing.preview_days, 0)
        self.assertEqual(standing.preview_policy, "proceed")
        self.assertEqual(self._prepare(date(2026, 12, 31)).standing_order_id, previewed)
        self.assertFalse(standing.order_ids)
        with self.assertRaises(ValidationError):
            self.company.autosales_preview_days = -1

    def test_order_prepared_ahead_once_and_emailed_with_its_prices(self):
        standing = self._create_standing_order()
        self.assertFalse(self._prepare(date(2026, 12, 26)), "too early")
        order = self._prepare()
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.standing_order_date, OCCURRENCE)
        self.assertEqual(order.autosales_preview_state, "waiting")
        self.assertEqual(standing.prepared_order_id, order)
        self.assertEqual(standing.next_date, OCCURRENCE, "not placed yet")
        self.assertEqual(order.order_line.price_unit, 2.5)
        mail = self._prepared_mails(standing)
        self.assertEqual(len(mail), 1)
        self.assertIn(self.customer, mail.partner_ids)
        self.assertIn(order.name, mail.body)
        self.assertIn("1,000", mail.body)
        self.assertIn(f"{order.amount_total:,.2f}", mail.body)
        self.assertIn("Taxes", mail.body)
        self.assertIn(f"{order.amount_tax:,.2f}", mail.body)
        self.assertIn(mail, standing.website_message_ids, "in the portal's history")
        # A rerun, later runs and the upcoming-order notice add nothing.
        self.assertFalse(self._prepare())
        self.assertFalse(self._prepare(date(2026, 12, 30)))
        self.assertFalse(
            self.StandingOrder._cron_send_upcoming_notices(today=date(2026, 12, 30))
        )
        self.assertEqual(
            self.SaleOrder.search([("standing_order_id", "=", standing.id)]), order
        )
        # The Orders button counts placed orders; the prepared one shows apart.
        self.assertEqual(standing.order_count, 0)
        self.assertEqual(len(self._prepared_mails(standing)), 1)
        self.assertFalse(
            standing._get_payment_pending_order(), "nothing to pay before its date"
        )

    def test_proceed_places_the_prepared_order_on_its_date(self):
        standing = self._create_standing_order()
        order = self._prepare()
        self.assertFalse(self._generate(date(2026, 12, 31)))
        self.assertEqual(self._generate(), order)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.autosales_preview_state, "released")
        self.assertEqual(standing.order_count, 1, "no second order")
        self.assertEqual(standing.next_date, date(2027, 3, 1))
        self.assertFalse(standing.prepared_order_id)
        self.assertEqual(standing.generated_count, 1)
        self.assertFalse(self._generate())

    def test_prices_held_across_a_pricelist_change(self):
        standing = self._create_standing_order()
        order = self._prepare()
        emailed_total = order.amount_total
        self.pricelist.item_ids = [
            Command.create(
                {
                    "applied_on": "0_product_variant",
                    "product_id": self.bulb.id,
                    "compute_price": "fixed",
                    "fixed_price": 3.0,
                }
            )
        ]
        self.assertEqual(self._generate(), order)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.order_line.price_unit, 2.5)
        self.assertEqual(order.amount_total, emailed_total)
        # The next order is priced on its own preparation day.
        following = self._prepare(date(2027, 2, 24))
        self.assertEqual(following.order_line.price_unit, 3.0)
        self.assertEqual(standing.prepared_order_id, following)

    def test_customer_changes_this_order_only(self):
        standing = self._create_standing_order(
            line_ids=[
                Command.create({"product_id": self.bulb.id, "product_uom_qty": 1000}),
                Command.create({"product_id": self.socket.id, "product_uom_qty": 10}),
            ]
        )
        order = self._prepare()
        bulbs, sockets = order.order_line.sorted(lambda line: line.product_id.id)
        # A quantity price break after the email does not reprice it.
        self.pricelist.item_ids = [
            Command.create(
                {
                    "applied_on": "0_product_variant",
                    "product_id": self.bulb.id,
                    "min_quantity": 1100,
                    "compute_price": "fixed",
                    "fixed_price": 2.0,
                }
            )
        ]
        standing.with_context(
            autosales_author_id=self.customer_contact.id
        )._change_prepared_order({bulbs: 1200, sockets: 0}, reference=" PO-4711 ")
        self.assertEqual(bulbs.product_uom_qty, 1200)
        self.assertEqual(bulbs.price_unit, 2.5)
        self.assertEqual(sockets.product_uom_qty, 0)
        self.assertEqual(order.client_order_ref, "PO-4711")
        self.assertEqual(
            standing.line_ids.mapped("product_uom_qty"),
            [1000, 10],
            "the standing order is unchanged",
        )
        self.assertFalse(standing.client_order_ref)
        notes = order.message_ids.filtered(
            lambda m: m.author_id == self.customer_contact
        ).mapped("body")
        self.assertTrue(any("1,000" in n and "1,200" in n for n in notes), notes)
        self.assertTrue(any("PO-4711" in n for n in notes), notes)
        self.assertEqual(self._generate(), order)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.client_order_ref, "PO-4711")
        self.assertEqual(bulbs.product_uom_qty, 1200)
        # The next order is the standing order's again.
        following = self._prepare(date(2027, 2, 24))
        self.assertEqual(following.order_line.mapped("product_uom_qty"), [1000, 10])
        self.assertFalse(following.client_order_ref)

    def test_apply_to_all_future_orders(self):
        standing = self._create_standing_order()
        order = self._prepare()
        standing._change_prepared_order({order.order_line: 1500}, apply_to_all=True)
        self.assertEqual(order.order_line.product_uom_qty, 1500)
        self.assertEqual(standing.line_ids.product_uom_qty, 1500)
        self._generate()
        self.assertEqual(
            self._prepare(date(2027, 2, 24)).order_line.product_uom_qty, 1500
        )

    def test_bad_changes_are_refused_and_change_nothing(self):
        standing = self._create_standing_order()
        order = self._prepare()
        other = self._create_standing_order(partner_id=self.other_customer.id)
        foreign_line = self._prepare().order_line
        self.assertEqual(other.prepared_order_id.order_line, foreign_line)
        with self.assertRaises(UserError):
            standing._change_prepared_order({foreign_line: 5})
        with self.assertRaises(ValidationError):
            standing._change_prepared_order({order.order_line: -1})
        with self.assertRaises(ValidationError):
            standing._change_prepared_order({order.order_line: 0})
        self.assertEqual(order.order_line.product_uom_qty, 1000)
        self.assertEqual(foreign_line.product_uom_qty, 1000)

    def test_early_confirmation_places_it_at_once(self):
        self.customer.credit_limit = 0
        standing = self._create_standing_order()
        order = self._prepare()
        standing._confirm_prepared_order()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.autosales_preview_state, "confirmed")
        self.assertEqual(standing.next_date, date(2027, 3, 1))
        self.assertFalse(self._generate(), "nothing left to place on its date")
        self.assertEqual(standing.order_count, 1)
        with self.assertRaises(UserError):
            standing._confirm_prepared_order()

    def test_skipped_prepared_order_is_never_placed(self):
        standing = self._create_standing_order()
        order = self._prepare()
        standing._skip_prepared_order()
        self.assertEqual(order.state, "cancel")
        self.assertEqual(order.autosales_preview_state, "skipped")
        self.assertEqual(standing.next_date, date(2027, 3, 1))
        self.assertEqual(standing.generated_count, 0)
        self.assertFalse(self._generate())
        self.assertTrue(
            any("was skipped" in body for body in standing.message_ids.mapped("body"))
        )
        # The skip link of the standing order skips the prepared order too.
        following = self._prepare(date(2027, 2, 24))
        standing.action_skip_next()
        self.assertEqual(following.state, "cancel")
        self.assertEqual(standing.next_date, date(2027, 5, 1))

    def test_hold_waits_for_the_customer_and_reminds_them_once(self):
        standing = self._create_standing_order(preview_policy="hold")
        order = self._prepare()
        reminder_subject = "waits for your confirmation"

        def reminders():
            return standing.message_ids.filtered(
                lambda m: reminder_subject in (m.subject or "")
            )

        self._prepare(date(2026, 12, 30))
        self.assertFalse(reminders(), "reminded only the day before")
        self._prepare(date(2026, 12, 31))
        self._prepare(date(2026, 12, 31))
        self.assertEqual(len(reminders()), 1)
        self.assertFalse(self._generate())
        self.assertEqual(order.state, "draft")
        self.assertEqual(standing.state, "exception")
        self.assertTrue(standing.exception_waiting)
        self.assertIn(order.name, standing.exception_reason)
        self.assertEqual(standing.activity_ids.user_id, self.salesman)
        self.assertEqual(
            self.StandingOrder.search(
                [("id", "=", standing.id), ("exception_waiting", "=", True)]
            ),
            standing,
        )
        self.assertFalse(self._generate(date(2027, 1, 5)))
        self.assertEqual(
            self.SaleOrder.search([("standing_order_id", "=", standing.id)]),
            order,
            "no second order while waiting",
        )
        # The customer confirms late: placed at once, the schedule goes on.
        standing._confirm_prepared_order()
        self.assertEqual(order.state, "sale")
        self.assertEqual(standing.order_count, 1)
        self.assertEqual(standing.state, "active")
        self.assertFalse(standing.exception_waiting)
        self.assertFalse(standing.activity_ids)
        self.assertEqual(standing.next_date, date(2027, 3, 1))

    def test_resuming_a_waiting_standing_order_places_the_prepared_order(self):
        standing = self._create_standing_order(preview_policy="hold")
        order = self._prepare()
        self._generate()
        self.assertEqual(standing.state, "exception")
        standing.action_resume()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.autosales_preview_state, "released")
        self.assertEqual(standing.state, "active")
        self.assertEqual(standing.next_date, date(2027, 3, 1))
        self.assertEqual(standing.order_count, 1)

    def test_resuming_places_a_waiting_order_of_a_moved_day_once(self):
        # January 2, 2027 is a Saturday: the order takes place on Monday 4th.
        self.company.resource_calendar_id.tz = "UTC"
        self.company.autosales_date_shift = "next"
        standing = self._create_standing_order(
            preview_policy="hold", start_date=date(2027, 1, 2)
        )
        order = self._prepare(date(2026, 12, 30))
        self._generate(date(2027, 1, 4))
        self.assertEqual(standing.state, "exception")
        standing.action_resume()
        self.assertEqual(order.state, "sale")
        self.assertEqual(standing.next_date, date(2027, 3, 2))
        self.assertFalse(self._generate(date(2027, 1, 4)), "placed once")
        self.assertEqual(standing.order_count, 1)

    def test_salesperson_adjusts_and_confirms_on_the_customers_behalf(self):
        standing = self._create_standing_order()
        order = self._prepare().with_user(self.salesman)
        order.order_line.product_uom_qty = 800
        order.client_order_ref = "PO-1"
        notes = order.message_ids.filtered(
            lambda m: m.author_id == self.salesman.partner_id
        ).mapped("body")
        self.assertTrue(any("800" in note for note in notes), notes)
        self.assertTrue(any("PO-1" in note for note in notes), notes)
        order.action_confirm()
        self.assertEqual(order.autosales_preview_state, "confirmed")
        self.assertEqual(standing.next_date, date(2027, 3, 1))
        self.assertFalse(self._generate())
        self.assertEqual(standing.order_count, 1)

    def test_pausing_cancels_the_prepared_order_and_resuming_prepares_again(self):
        standing = self._create_standing_order()
        order = self._prepare()
        standing.action_pause()
        self.assertEqual(order.state, "cancel")
        self.assertFalse(standing.prepared_order_id)
        standing.action_resume()
        again = self._prepare()
        self.assertTrue(again)
        self.assertNotEqual(again, order)
        self.assertEqual(again.standing_order_date, OCCURRENCE)
        self.assertEqual(self._generate(), again)
        self.assertEqual(again.state, "sale")

    def test_moving_the_next_date_moves_the_prepared_order(self):
        standing = self._create_standing_order()
        order = self._prepare()
        standing._change_next_date(date(2027, 1, 4))
        self.assertEqual(order.standing_order_date, date(2027, 1, 4))
        self.assertFalse(self._generate(date(2027, 1, 3)))
        self.assertEqual(self._generate(date(2027, 1, 4)), order)
        self.assertEqual(standing.order_count, 1)

    def test_pay_now_early_confirmation_charges_at_once(self):
        self._setup_demo_payment()
        token = self._create_token()
        standing = self._create_standing_order(
            payment_mode="pay_now", payment_token_id=token.id
        )
        order = self._prepare()
        self.assertFalse(order.transaction_ids, "nothing charged when prepared")
        standing._confirm_prepared_order()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.transaction_ids.state, "done")
        self.assertEqual(order.transaction_ids.amount, order.amount_total)
        self.assertFalse(self._generate())
        self.assertEqual(len(order.transaction_ids), 1)

    def test_a_faulty_standing_order_does_not_stop_the_others(self):
        lamp = self.env["product.product"].create(
            {"name": "Old Lamp", "type": "consu", "list_price": 9.0}
        )
        good = self._create_standing_order()
        bad = self._create_standing_order(
            line_ids=[Command.create({"product_id": lamp.id, "product_uom_qty": 1})]
        )
        lamp.active = False
        prepared = self._prepare()
        self.assertEqual(prepared.standing_order_id, good)
        self.assertFalse(bad.prepared_order_id)
        # On its date the faulty one goes to exception, as without preparation.
        self._generate()
        self.assertEqual(bad.state, "exception")
        self.assertEqual(prepared.state, "sale")

    def test_prepared_ahead_of_the_day_an_occurrence_moves_to(self):
        # January 2, 2027 is a Saturday: the order takes place on Monday 4th.
        self.company.resource_calendar_id.tz = "UTC"
        self.company.autosales_date_shift = "next"
        standing = self._create_standing_order(start_date=date(2027, 1, 2))
        self.assertEqual(standing.next_date, date(2027, 1, 4))
        self.assertFalse(self._prepare(date(2026, 12, 29)), "five days before Monday")
        order = self._prepare(date(2026, 12, 30))
        self.assertEqual(order.standing_order_date, date(2027, 1, 2))
        self.assertIn("01/04/2027", self._prepared_mails(standing).body)
        self.assertFalse(self._generate(date(2027, 1, 3)))
        self.assertEqual(self._generate(date(2027, 1, 4)), order)
        self.assertEqual(order.state, "sale")
        self.assertEqual(standing.order_count, 1)
        # The next one stays anchored to the 2nd: March 2, a Tuesday.
        self.assertEqual(standing.next_date, date(2027, 3, 2))

    def test_forecast_counts_the_quantities_the_customer_changed(self):
        standing = self._create_standing_order()
        order = self._prepare()
        Forecast = self.env["sale.standing.order.forecast"]

        def forecast():
            Forecast.invalidate_model()
            with freeze_time(PREPARATION_DAY):
                rows = Forecast.search(
                    [("standing_order_id", "=", standing.id)], order="date"
                )
            return [(row.date, row.product_qty) for row in rows[:2]]

        self.assertEqual(forecast(), [(OCCURRENCE, 1000), (date(2027, 3, 1), 1000)])
        standing._change_prepared_order({order.order_line: 1200})
        # This order only: the next ones keep the standing order's quantity.
        self.assertEqual(forecast(), [(OCCURRENCE, 1200), (date(2027, 3, 1), 1000)])
        # Skipped: that occurrence is gone from the forecast.
        order._action_cancel()
        self.assertEqual(forecast()[0], (date(2027, 3, 1), 1000))
