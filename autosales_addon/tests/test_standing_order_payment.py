from datetime import date, timedelta
from unittest.mock import patch

from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import AutosalesCommon


@tagged("post_install", "-at_install")
class TestStandingOrderOnAccount(AutosalesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.account_use_credit_limit = True

    def test_within_credit_limit_is_confirmed(self):
        self.customer.credit_limit = 10000  # one order is 2,500 + taxes
        standing = self._create_standing_order()
        order = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        self.assertEqual(order.state, "sale")
        self.assertEqual(standing.state, "active")

    def test_over_credit_limit_is_not_confirmed_and_alerts_salesperson(self):
        self.customer.credit_limit = 1000
        standing = self._create_standing_order()
        order = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        self.assertEqual(
            order.state, "draft", "an order over the credit limit is not confirmed"
        )
        self.assertEqual(standing.state, "exception")
        self.assertIn("credit limit", standing.exception_reason)
        activity = standing.activity_ids
        self.assertEqual(activity.user_id, self.salesman)
        self.assertIn("credit limit", activity.note)
        # nothing more is generated while in exception, and the occurrence is kept
        self.assertFalse(
            self.StandingOrder._generate_due_orders(until=date(2027, 3, 1))
        )
        self.assertEqual(standing.order_count, 1)

    def test_credit_limit_counts_earlier_orders_of_the_same_run(self):
        self.customer.credit_limit = (
            6000  # two orders fit (2 x 2,875 incl. taxes), not three
        )
        standing = self._create_standing_order(interval_number=1)
        orders = self.StandingOrder._generate_due_orders(until=date(2027, 3, 1))
        self.assertEqual(len(orders), 3)
        confirmed = orders.filtered(lambda o: o.state == "sale")
        self.assertEqual(
            confirmed.mapped("standing_order_date"),
            [date(2027, 1, 1), date(2027, 2, 1)],
        )
        self.assertEqual(standing.state, "exception")

    def test_raising_the_limit_and_resuming_confirms_the_pending_order(self):
        self.customer.credit_limit = 1000
        standing = self._create_standing_order()
        order = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        self.customer.credit_limit = 100000
        standing.action_resume()
        self.assertEqual(order.state, "sale")
        self.assertEqual(standing.state, "active")
        self.assertEqual(
            standing.order_count, 1, "resuming does not create a second order"
        )

    def test_confirmed_orders_count_before_they_are_delivered(self):
        # Invoiced on delivered quantities: Odoo's own "to invoice" amount
        # of such an order stays zero until it is delivered.
        self.bulb.invoice_policy = "delivery"
        self.customer.credit_limit = 4000  # one order (2,875 incl. taxes) fits
        first = self._create_standing_order()
        second = self._create_standing_order(start_date=date(2027, 2, 1))
        self.assertEqual(
            self.StandingOrder._generate_due_orders(until=date(2027, 1, 1)).state,
            "sale",
        )
        self.assertEqual(first.order_ids.picking_ids.state, "assigned")
        order = self.StandingOrder._generate_due_orders(until=date(2027, 2, 1))
        self.assertEqual(order.standing_order_id, second)
        self.assertEqual(order.state, "draft", "the undelivered order uses credit")
        self.assertEqual(second.state, "exception")
        self.assertIn("2,875.00 already used", second.exception_reason)
        # The webshop's "charge to my account" counts it too.
        cart = self.SaleOrder.create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.socket.id, "product_uom_qty": 300}
                    )
                ],
            }
        )
        self.assertIn("credit limit", cart._autosales_confirm_on_account())
        self.assertEqual(cart.state, "draft")

    def test_customer_no_longer_approved_goes_to_exception(self):
        standing = self._create_standing_order()
        self.customer.on_account_allowed = False
        orders = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        self.assertFalse(orders)
        self.assertEqual(standing.state, "exception")
        self.assertIn("not approved", standing.exception_reason)


@tagged("post_install", "-at_install")
class TestStandingOrderPayNow(AutosalesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_demo_payment()

    def _create_pay_now(self, state="done"):
        token = self._create_token(state=state)
        return self._create_standing_order(
            payment_mode="pay_now", payment_token_id=token.id
        )

    def test_accepted_payment_confirms_the_order(self):
        standing = self._create_pay_now("done")
        order = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        self.assertEqual(order.state, "sale")
        transaction = order.transaction_ids
        self.assertEqual(len(transaction), 1)
        self.assertEqual(transaction.state, "done")
        self.assertEqual(transaction.token_id, standing.payment_token_id)
        self.assertEqual(transaction.amount, order.amount_total)
        self.assertEqual(standing.state, "active")

    def test_refused_payment_leaves_order_unconfirmed_and_schedules_retries(self):
        standing = self._create_pay_now("error")
        order = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        self.assertEqual(order.state, "draft")
        self.assertEqual(standing.state, "exception")
        self.assertEqual(standing.activity_ids.user_id, self.salesman)
        self.assertEqual(
            (
                order.standing_payment_retry_date - order.standing_payment_failed_date
            ).days,
            1,
        )
        refusal_mails = order.message_ids.filtered(
            lambda m: "was refused" in (m.subject or "")
        )
        self.assertEqual(len(refusal_mails), 1, "the customer gets a payment link")
        self.assertIn(self.customer, refusal_mails.partner_ids)

    def test_retries_follow_the_schedule_then_cancel(self):
        standing = self._create_pay_now("error")
        order = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        failed_on = order.standing_payment_failed_date
        expected_retries = [1, 3, 7]
        for days in expected_retries:
            retry_date = order.standing_payment_retry_date
            self.assertEqual((retry_date - failed_on).days, days)
            # running the retry cron twice on the same day charges once
            self.SaleOrder._cron_autosales_retry_payments(today=retry_date)
            self.SaleOrder._cron_autosales_retry_payments(today=retry_date)
        self.assertEqual(
            len(order.transaction_ids), 4, "first charge + 3 retries, no more"
        )
        self.assertEqual(order.state, "cancel")
        self.assertFalse(order.standing_payment_retry_date)
        self.assertEqual(standing.state, "exception")
        self.assertEqual(
            len(standing.order_ids), 1, "no second order for the occurrence"
        )

    def test_fixed_payment_method_and_resume_charges_once_more(self):
        standing = self._create_pay_now("error")
        order = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        standing.payment_token_id = self._create_token(state="done")
        standing.action_resume()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.transaction_ids.mapped("state"), ["done", "error"])
        self.assertEqual(standing.state, "active")
        self.assertEqual(standing.order_count, 1)
        # a late retry cron finds nothing to do
        self.SaleOrder._cron_autosales_retry_payments(today=date(2099, 1, 1))
        self.assertEqual(len(order.transaction_ids), 2)

    def test_generation_rerun_does_not_charge_twice(self):
        standing = self._create_pay_now("done")
        order = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        standing._send_pending_payments(order)
        self.SaleOrder.browse(order.ids)._autosales_send_payment()
        self.assertEqual(len(order.transaction_ids), 1)

    def test_token_of_another_customer_is_refused(self):
        token = self._create_token(partner=self.other_customer)
        with self.assertRaisesRegex(Exception, "does not belong"):
            self._create_standing_order(
                payment_mode="pay_now", payment_token_id=token.id
            )


@tagged("post_install", "-at_install")
class TestStandingOrderFailures(AutosalesCommon):
    def test_failing_standing_order_does_not_stop_the_others(self):
        healthy = self._create_standing_order()
        lamp = self.env["product.product"].create(
            {"name": "Old Lamp", "list_price": 9.0}
        )
        broken = self._create_standing_order(
            partner_id=self.other_customer.id,
            line_ids=[Command.create({"product_id": lamp.id, "product_uom_qty": 3})],
        )
        no_price = self.env["product.product"].create(
            {"name": "Free Sample", "list_price": 0}
        )
        unpriced = self._create_standing_order(
            line_ids=[
                Command.create({"product_id": no_price.id, "product_uom_qty": 1})
            ],
        )
        lamp.active = False
        orders = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        self.assertEqual(orders.standing_order_id, healthy)
        self.assertEqual(orders.state, "sale")
        self.assertEqual(broken.state, "exception")
        self.assertIn("Old Lamp", broken.exception_reason)
        self.assertEqual(unpriced.state, "exception")
        self.assertIn("no price", unpriced.exception_reason)
        self.assertFalse(
            broken.order_ids | unpriced.order_ids, "no half-generated order"
        )
        self.assertEqual(
            broken.next_date, date(2027, 1, 1), "the occurrence is kept for a retry"
        )
        # once fixed and resumed, the kept occurrence is generated
        lamp.active = True
        broken.action_resume()
        self.assertEqual(
            self.StandingOrder._generate_due_orders(
                until=date(2027, 1, 1)
            ).standing_order_id,
            broken,
        )

    def test_archived_customer_goes_to_exception(self):
        standing = self._create_standing_order(partner_id=self.other_customer.id)
        self.other_customer.active = False
        self.assertFalse(
            self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        )
        self.assertEqual(standing.state, "exception")


@tagged("post_install", "-at_install")
class TestStandingOrderPaymentSafety(AutosalesCommon):
    """One successful charge per order: never two, never none."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_demo_payment()
        cls.Transaction = type(cls.env["payment.transaction"])

    def _create_pay_now(self, state="done", partner=None):
        partner = partner or self.customer
        token = self._create_token(partner=partner, state=state)
        return self._create_standing_order(
            partner_id=partner.id, payment_mode="pay_now", payment_token_id=token.id
        )

    def _customer_mails(self, record, subject_part):
        return record.message_ids.filtered(
            lambda m: subject_part in (m.subject or "")
            and self.customer in m.partner_ids
        )

    def test_order_left_unsent_by_a_crash_is_charged_once_later(self):
        standing = self._create_pay_now("done")
        # The process dies after committing the order, before the charge:
        # generation without the sending step.
        standing._lock_for_generation()
        order = standing._generate_occurrences(date(2027, 1, 1))
        transaction = order.transaction_ids
        self.assertEqual(transaction.state, "draft")
        send_date = order.standing_payment_send_date
        self.assertTrue(send_date, "the charge is due at a known time")
        self.SaleOrder._cron_autosales_send_pending_payments(
            now=send_date - timedelta(minutes=1)
        )
        self.assertEqual(transaction.state, "draft", "not before the grace period")
        self.SaleOrder._cron_autosales_send_pending_payments(now=send_date)
        self.assertEqual(order.transaction_ids, transaction, "the same transaction")
        self.assertEqual(transaction.reference, f"{order.name}-AS1")
        self.assertEqual(transaction.state, "done")
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.standing_payment_send_date)
        self.SaleOrder._cron_autosales_send_pending_payments(
            now=send_date + timedelta(days=1)
        )
        self.assertEqual(len(order.transaction_ids), 1, "charged exactly once")

    def test_unanswered_request_is_sent_again_under_the_same_reference(self):
        standing = self._create_pay_now("done")
        down = patch.object(
            self.Transaction,
            "_send_payment_request",
            side_effect=TimeoutError("read timed out"),
        )
        with down:
            order = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        transaction = order.transaction_ids
        self.assertEqual(transaction.state, "draft", "no answer is not a refusal")
        self.assertEqual(standing.state, "active")
        self.assertFalse(self._customer_mails(order, "refused"), "customer not told")
        self.assertFalse(order.standing_payment_retry_date, "no dunning")
        # A retry of the order (e.g. resuming) never starts a second attempt
        # while the first may have charged.
        order._autosales_prepare_payment(retry=True)
        self.assertEqual(order.transaction_ids, transaction)
        # The provider stays down: the salesperson is told after 3 requests.
        with down:
            for _attempt in range(2):
                self.assertFalse(order.activity_ids)
                self.SaleOrder._cron_autosales_send_pending_payments(
                    now=order.standing_payment_send_date
                )
        self.assertEqual(order.standing_payment_unanswered_count, 3)
        self.assertEqual(order.activity_ids.user_id, self.salesman)
        self.assertIn(transaction.reference, order.activity_ids.note)
        # The provider answers again: the same transaction is charged.
        self.SaleOrder._cron_autosales_send_pending_payments(
            now=order.standing_payment_send_date
        )
        self.assertEqual(order.transaction_ids, transaction)
        self.assertEqual(transaction.state, "done")
        self.assertEqual(order.state, "sale")
        self.assertEqual(standing.state, "active")

    def test_removed_card_stops_the_standing_order_before_its_next_order(self):
        standing = self._create_pay_now("done")
        # What /payment/archive_token does when the customer removes a card.
        standing.payment_token_id.active = False
        self.assertEqual(standing.state, "exception")
        self.assertTrue(standing.payment_method_lost)
        mails = self._customer_mails(standing, "choose a payment method")
        self.assertEqual(len(mails), 1, "the customer is asked for another card")
        self.assertIn(standing.get_portal_url(anchor="payment"), mails.body)
        self.assertFalse(
            self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        )
        # Choosing another card runs the standing order again.
        standing._change_payment_token(self._create_token(state="done"))
        self.assertEqual(standing.state, "active")
        self.assertFalse(standing.payment_method_lost)
        order = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        self.assertEqual(order.state, "sale")

    def test_retry_run_goes_on_when_a_card_was_removed(self):
        first = self._create_pay_now("error")
        second = self._create_pay_now("error", partner=self.other_customer)
        orders = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        self.assertEqual(set(orders.mapped("state")), {"draft"})
        retry_date = orders[0].standing_payment_retry_date
        first.payment_token_id.active = False
        first_order = first.order_ids
        first_order.standing_payment_retry_date = retry_date
        self.SaleOrder._cron_autosales_retry_payments(today=retry_date)
        self.assertEqual(
            len(first_order.transaction_ids), 1, "no charge on a removed card"
        )
        self.assertEqual(first.state, "exception")
        self.assertEqual(len(second.order_ids.transaction_ids), 2, "the others retry")

    def test_failing_retry_does_not_stop_the_others(self):
        self._create_pay_now("error")
        self._create_pay_now("error", partner=self.other_customer)
        orders = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        failing = orders[0]
        send = type(self.SaleOrder)._autosales_send_request

        def send_or_fail(records):
            if failing in records:
                raise RuntimeError("unexpected")
            return send(records)

        with (
            patch.object(type(self.SaleOrder), "_autosales_send_request", send_or_fail),
            mute_logger("odoo.addons.autosales_addon.models.sale_order_payment"),
        ):
            self.SaleOrder._cron_autosales_retry_payments(
                today=failing.standing_payment_retry_date
            )
        self.assertEqual(len(orders[1].transaction_ids), 2)
        self.assertIn("could not be processed", failing.message_ids[0].body)

    def test_dunning_email_leads_to_the_standing_order_and_new_card_pays(self):
        standing = self._create_pay_now("error")
        order = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        (mail,) = self._customer_mails(order, "refused")
        self.assertIn(standing.get_portal_url(anchor="payment"), mail.body)
        self.assertNotIn("/my/payment_method", mail.body)
        # The customer picks a card that works: the pending order is charged
        # at once, the standing order runs again.
        self.assertTrue(standing.activity_ids, "the salesperson was told")
        standing._change_payment_token(self._create_token(state="done"))
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.transaction_ids.mapped("state"), ["done", "error"])
        self.assertEqual(standing.state, "active")
        self.assertEqual(standing.order_count, 1)
        self.assertFalse(standing.activity_ids, "solved: nothing left to do")

    def test_last_refusal_sends_a_closing_email(self):
        standing = self._create_pay_now("error")
        order = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        while order.standing_payment_retry_date:
            self.SaleOrder._cron_autosales_retry_payments(
                today=order.standing_payment_retry_date
            )
        self.assertEqual(order.state, "cancel")
        (closing,) = self._customer_mails(order, "was cancelled")
        self.assertIn("on hold", closing.body)
        self.assertEqual(standing.state, "exception")

    def test_saved_cards_are_shown_masked(self):
        token = self._create_token()
        token.payment_details = "4111 1111 1111 1111"
        label = token._autosales_masked_label()
        self.assertTrue(label.endswith("•••• 1111"), label)
        self.assertNotIn("4111", label)
        self.assertIn(token.payment_method_id.name, label)
