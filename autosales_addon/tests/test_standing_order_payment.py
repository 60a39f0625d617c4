from datetime import date

from odoo.fields import Command
from odoo.tests import tagged

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
