from datetime import date
from unittest.mock import patch

import psycopg2.errors

from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import AutosalesCommon


@tagged("post_install", "-at_install")
class TestStandingOrderFaults(AutosalesCommon):
    """Faults in some standing orders never cost the others their orders,
    and never produce an occurrence twice."""

    def _orders_of(self, standing, day):
        return self.SaleOrder.search(
            [("standing_order_id", "=", standing.id), ("standing_order_date", "=", day)]
        )

    def test_bad_data_goes_to_exception_and_the_others_are_generated(self):
        day = date(2027, 1, 1)
        healthy = self._create_standing_order() | self._create_standing_order(
            partner_id=self.other_customer.id
        )
        lamp = self.env["product.product"].create(
            {"name": "Archived Lamp", "list_price": 9.0}
        )
        archived_product = self._create_standing_order(
            line_ids=[Command.create({"product_id": lamp.id, "product_uom_qty": 3})]
        )
        free = self.env["product.product"].create(
            {"name": "Priceless Sample", "list_price": 0}
        )
        no_price = self._create_standing_order(
            line_ids=[Command.create({"product_id": free.id, "product_uom_qty": 1})]
        )
        dollar_pricelist = self.env["product.pricelist"].create(
            {
                "name": "Was In Company Currency",
                "currency_id": self.company.currency_id.id,
            }
        )
        currency_mismatch = self._create_standing_order(
            pricelist_id=dollar_pricelist.id
        )
        gone = self.env["res.partner"].create(
            {
                "name": "Closed Shop",
                "is_company": True,
                "on_account_allowed": True,
                "street": "2 Shut Lane",
                "city": "Springfield",
            }
        )
        inactive_customer = self._create_standing_order(partner_id=gone.id)
        huge_quantity = self._create_standing_order(
            line_ids=[
                Command.create({"product_id": self.socket.id, "product_uom_qty": 10})
            ]
        )
        # Stored before quantities were bounded: the generation still refuses it.
        huge_quantity.line_ids.flush_recordset()
        self.env.cr.execute(
            "UPDATE sale_standing_order_line SET product_uom_qty = 1e15 WHERE id = %s",
            [huge_quantity.line_ids.id],
        )
        huge_quantity.line_ids.invalidate_recordset()
        # Last: the other standing orders of the customer would deliver there.
        dock = self.env["res.partner"].create(
            {"name": "Old Dock", "parent_id": self.customer.id, "type": "delivery"}
        )
        deleted_address = self._create_standing_order(partner_shipping_id=dock.id)
        # What went wrong since they were set up:
        lamp.active = False
        dock.active = False  # Odoo archives an address documents refer to
        other_currency = self.env["res.currency"].search(
            [
                ("id", "!=", self.company.currency_id.id),
                ("active", "in", [True, False]),
            ],
            limit=1,
        )
        other_currency.active = True
        dollar_pricelist.currency_id = other_currency
        gone.active = False

        with mute_logger("odoo.addons.autosales_addon.models.sale_standing_order"):
            orders = self.StandingOrder._generate_due_orders(until=day)

        self.assertEqual(orders.standing_order_id, healthy)
        self.assertEqual(set(orders.mapped("state")), {"sale"})
        expected = {
            archived_product: "Archived Lamp",
            no_price: "no price",
            deleted_address: "address",
            currency_mismatch: "currency",
            inactive_customer: "archived",
            huge_quantity: "more than an order can hold",
        }
        for standing, reason in expected.items():
            self.assertEqual(standing.state, "exception", reason)
            self.assertIn(reason, standing.exception_reason)
            self.assertTrue(standing.activity_ids, "the salesperson is told")
            self.assertFalse(standing.order_ids, "no half-generated order")
            self.assertEqual(standing.next_date, day, "the occurrence is kept")

    def test_failing_confirmation_keeps_the_order_exactly_once(self):
        day = date(2027, 1, 1)
        healthy = self._create_standing_order(partner_id=self.other_customer.id)
        failing = self._create_standing_order()
        action_confirm = type(self.SaleOrder).action_confirm

        def confirm_or_crash(orders):
            if failing in orders.standing_order_id:
                raise RuntimeError("warehouse system unreachable")
            return action_confirm(orders)

        with (
            patch.object(type(self.SaleOrder), "action_confirm", confirm_or_crash),
            mute_logger("odoo.addons.autosales_addon.models.sale_standing_order"),
        ):
            orders = self.StandingOrder._generate_due_orders(until=day)
            self.assertEqual(len(orders), 2)
            # Running again while the fault lasts adds nothing.
            self.assertFalse(self.StandingOrder._generate_due_orders(until=day))

        self.assertEqual(self._orders_of(healthy, day).state, "sale")
        kept = self._orders_of(failing, day)
        self.assertEqual(len(kept), 1, "the occurrence's order is kept once")
        self.assertEqual(kept.state, "draft")
        self.assertEqual(failing.state, "exception")
        self.assertIn("warehouse system unreachable", failing.exception_reason)
        # Once the fault is gone, resuming confirms that order; the next runs
        # never make a second one for the occurrence.
        failing.action_resume()
        self.assertEqual(kept.state, "sale")
        self.assertFalse(self.StandingOrder._generate_due_orders(until=day))
        self.StandingOrder._generate_due_orders(until=date(2027, 3, 1))
        self.assertEqual(self._orders_of(failing, day), kept)

    def test_failing_payment_keeps_the_order_exactly_once(self):
        self._setup_demo_payment()
        token = self._create_token()
        standing = self._create_standing_order(
            payment_mode="pay_now", payment_token_id=token.id
        )
        day = date(2027, 1, 1)
        with patch.object(
            type(self.env["payment.transaction"]),
            "_send_payment_request",
            side_effect=ConnectionError("payment provider down"),
        ):
            order = self.StandingOrder._generate_due_orders(until=day)
            self.assertFalse(self.StandingOrder._generate_due_orders(until=day))
        self.assertEqual(order.state, "draft")
        self.assertEqual(
            order.transaction_ids.state, "draft", "no answer is not a refusal"
        )
        self.assertEqual(self._orders_of(standing, day), order)
        self.assertEqual(standing.state, "active")
        self.assertFalse(order.standing_payment_retry_date, "no dunning")
        self.assertTrue(order.standing_payment_send_date, "the request is sent again")

    def test_lost_race_during_confirmation_is_raised_for_a_retry(self):
        # A serialization failure must reach the retry of the whole
        # transaction: handled in a savepoint, the stale snapshot would fail
        # every later order too, and they would all go to exception.
        standing = self._create_standing_order()
        failure = psycopg2.errors.SerializationFailure("concurrent update")
        with (
            patch.object(type(self.SaleOrder), "action_confirm", side_effect=failure),
            self.assertRaises(psycopg2.errors.SerializationFailure),
            self.env.cr.savepoint(),
        ):
            self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        self.env.invalidate_all()
        self.assertEqual(standing.state, "active")
        self.assertFalse(standing.order_ids)

    def test_lock_timeout_during_creation_is_raised_for_a_retry(self):
        standing = self._create_standing_order()
        timeout = psycopg2.errors.LockNotAvailable("lock timeout")
        with (
            patch.object(type(self.SaleOrder), "create", side_effect=timeout),
            self.assertRaises(psycopg2.errors.LockNotAvailable),
            self.env.cr.savepoint(),
        ):
            self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        self.env.invalidate_all()
        self.assertEqual(standing.state, "active")

    def _force_interval(self, standing, years):
        """Store an interval the form refuses (data from an older version)."""
        standing.flush_recordset()
        self.env.cr.execute(
            "UPDATE sale_standing_order SET interval_number = %s, "
            "interval_type = 'year' WHERE id = %s",
            [years, standing.id],
        )
        standing.invalidate_recordset()

    def test_failing_schedule_does_not_stop_the_others(self):
        day = date(2027, 1, 1)
        healthy = self._create_standing_order(partner_id=self.other_customer.id)
        # Its first order is due, the date of the next one cannot be computed.
        next_fails = self._create_standing_order()
        self._force_interval(next_fails, 10_000)
        # Not even its due date can be computed.
        due_fails = self._create_standing_order(start_date=date(2026, 1, 1))
        self._force_interval(due_fails, 10_000)
        due_fails.write(due_fails._recurrence_anchor_values(date(2026, 1, 1), -1))

        with mute_logger(
            "odoo.addons.autosales_addon.models.sale_standing_order_generation"
        ):
            orders = self.StandingOrder._generate_due_orders(until=day)
            self.assertEqual(orders, self._orders_of(healthy, day))
            self.assertEqual(orders.state, "sale")
            for faulty in next_fails | due_fails:
                self.assertEqual(faulty.state, "exception")
                self.assertIn("out of range", faulty.exception_reason)
                self.assertTrue(faulty.activity_ids)
                self.assertFalse(faulty.order_ids)
            # The next runs are not blocked either.
            self.assertFalse(self.StandingOrder._generate_due_orders(until=day))
        # Fixed and resumed, it generates its due order once.
        next_fails.interval_number = 1
        next_fails.action_resume()
        self.StandingOrder._generate_due_orders(until=day)
        self.StandingOrder._generate_due_orders(until=day)
        self.assertEqual(len(self._orders_of(next_fails, day)), 1)
        self.assertEqual(next_fails.next_date, date(2028, 1, 1))

    def test_intervals_and_quantities_are_bounded(self):
        standing = self._create_standing_order(activate=False)
        with self.assertRaisesRegex(ValidationError, "between 1 and 5 years"):
            standing.write({"interval_number": 10_000, "interval_type": "year"})
        with self.assertRaisesRegex(ValidationError, "between 1 and 60 months"):
            standing.write({"interval_number": 61, "interval_type": "month"})
        for quantity in (1e20, 0, -1):
            with self.assertRaisesRegex(ValidationError, "at most"):
                standing.line_ids.product_uom_qty = quantity

    def test_broken_data_is_sent_to_exception_with_what_to_fix(self):
        day = date(2027, 1, 1)
        healthy = self._create_standing_order()
        nowhere = self.env["res.partner"].create(
            {"name": "No Address Ltd", "is_company": True, "on_account_allowed": True}
        )
        no_address = self._create_standing_order(partner_id=nowhere.id)
        gadget = self.env["product.product"].create(
            {"name": "Gadget", "type": "consu", "list_price": 5.0}
        )
        now_a_service = self._create_standing_order(
            line_ids=[Command.create({"product_id": gadget.id, "product_uom_qty": 2})]
        )
        old_pricelist = self.env["product.pricelist"].create({"name": "Old Prices"})
        archived_pricelist = self._create_standing_order(pricelist_id=old_pricelist.id)
        gadget.type = "service"
        old_pricelist.active = False

        orders = self.StandingOrder._generate_due_orders(until=day)

        self.assertEqual(orders.standing_order_id, healthy)
        expected = {
            no_address: "no street or city",
            now_a_service: "now a service",
            archived_pricelist: "Old Prices",
        }
        for standing, reason in expected.items():
            self.assertEqual(standing.state, "exception", reason)
            self.assertIn(reason, standing.exception_reason)
            self.assertFalse(standing.order_ids)
        with self.assertRaisesRegex(ValidationError, "is a service"):
            self._create_standing_order(
                line_ids=[Command.create({"product_id": gadget.id})]
            )
