from datetime import date, timedelta
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import AutosalesCommon


@tagged("post_install", "-at_install")
class TestStandingOrderInvoicing(AutosalesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.payment_term = cls.env.ref("account.account_payment_term_30days")
        cls.customer.property_payment_term_id = cls.payment_term

    def _generate(self, until=date(2027, 1, 1)):
        return self.StandingOrder._generate_due_orders(until=until)

    def _deliver(self, order, quantities=None):
        """Validate the delivery of ``order`` for ``quantities`` (all by
        default), leaving a backorder for the rest."""
        picking = order.picking_ids.filtered(
            lambda p: p.state not in ("done", "cancel")
        )
        for move in picking.move_ids:
            move.quantity = (quantities or {}).get(
                move.product_id, move.product_uom_qty
            )
        picking.move_ids.picked = True
        picking.with_context(
            skip_sms=True, cancel_backorder=False, skip_backorder=True
        ).button_validate()
        self.assertEqual(picking.state, "done")
        return picking

    def test_manual_mode_invoices_nothing(self):
        standing = self._create_standing_order()
        self.assertEqual(standing.invoicing_mode, "manual")
        order = self._generate()
        self.assertEqual(order.state, "sale")
        self._deliver(order)
        self.SaleOrder._cron_autosales_invoice_orders()
        self.assertFalse(order.invoice_ids)
        # still Odoo's usual "to invoice"
        self.assertEqual(order.invoice_status, "to invoice")

    def test_company_default_gives_the_mode_of_new_standing_orders(self):
        self.company.autosales_invoicing_mode = "on_delivery"
        standing = self._create_standing_order(activate=False)
        self.assertEqual(standing.invoicing_mode, "on_delivery")
        self.company.autosales_invoicing_mode = "on_order"
        self.assertEqual(
            self._create_standing_order(activate=False).invoicing_mode, "on_order"
        )
        self.assertEqual(standing.invoicing_mode, "on_delivery")

    def test_on_order_invoices_posts_and_sends_once(self):
        standing = self._create_standing_order(invoicing_mode="on_order")
        order = self._generate()
        invoice = order.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.amount_total, order.amount_total)
        self.assertEqual(invoice.invoice_payment_term_id, self.payment_term)
        # dated the day it is invoiced, due as the payment terms say
        today = fields.Date.context_today(invoice)
        self.assertEqual(invoice.invoice_date, today)
        self.assertEqual(invoice.invoice_date_due, today + timedelta(days=30))
        self.assertEqual(invoice.partner_id, order.partner_invoice_id)
        self.assertEqual(order.invoice_status, "invoiced")
        self.assertEqual(standing.invoice_ids, invoice)
        self.assertEqual(standing.amount_invoiced, invoice.amount_total)
        # Sent with Odoo's invoice sending, in the background.
        self.assertTrue(invoice.sending_data)
        self.env["account.move"]._cron_account_move_send()
        self.assertTrue(invoice.is_move_sent)
        sent = invoice.message_ids.filtered(
            lambda m: self.customer in m.partner_ids and m.message_type == "comment"
        )
        self.assertEqual(len(sent), 1)
        self.assertIn(invoice.name, sent.subject)
        self.assertIn(".pdf", " ".join(sent.attachment_ids.mapped("name")))
        # rerunning the generation and the scheduled action adds nothing
        self._generate()
        self.assertEqual(self.SaleOrder._cron_autosales_invoice_orders(), 0)
        self.assertEqual(order.invoice_ids, invoice)

    def test_on_order_invoices_ordered_quantities_whatever_the_product_policy(self):
        self.bulb.invoice_policy = "delivery"
        self._create_standing_order(invoicing_mode="on_order")
        order = self._generate()
        self.assertEqual(order.invoice_ids.invoice_line_ids.quantity, 1000)

    def test_on_delivery_invoices_delivered_quantities(self):
        self.bulb.invoice_policy = "order"
        self._create_standing_order(invoicing_mode="on_delivery")
        order = self._generate()
        self.assertFalse(order.invoice_ids, "not invoiced before its delivery")
        self.assertEqual(self.SaleOrder._cron_autosales_invoice_orders(), 0)
        self._deliver(order, {self.bulb: 600})
        self.assertEqual(self.SaleOrder._cron_autosales_invoice_orders(), 1)
        first = order.invoice_ids
        self.assertEqual(first.invoice_line_ids.quantity, 600)
        self.assertEqual(first.state, "posted")
        # the backorder, delivered later, gets its own invoice; nothing twice
        self.assertEqual(self.SaleOrder._cron_autosales_invoice_orders(), 0)
        self._deliver(order)
        self.assertEqual(self.SaleOrder._cron_autosales_invoice_orders(), 1)
        second = order.invoice_ids - first
        self.assertEqual(second.invoice_line_ids.quantity, 400)
        self.assertEqual(order.invoice_status, "invoiced")
        self.assertEqual((first | second).mapped("autosales_invoice_seq"), [1, 2])

    def test_the_database_refuses_a_second_invoice_under_the_same_number(self):
        """The guard two concurrent runs meet: both number the first invoice
        of the order 1; the database keeps one."""
        self._create_standing_order(invoicing_mode="on_order")
        invoice = self._generate().invoice_ids
        self.assertEqual(invoice.autosales_invoice_seq, 1)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                invoice.copy(
                    {
                        "autosales_order_id": invoice.autosales_order_id.id,
                        "autosales_invoice_seq": 1,
                    }
                )
                self.env.flush_all()

    def test_invoice_failure_is_noted_and_does_not_block_the_others(self):
        self._create_standing_order(invoicing_mode="on_order")
        self._create_standing_order(
            invoicing_mode="on_order", partner_id=self.other_customer.id
        )
        # A lock date before the invoices: Brightlight's cannot be posted.
        original = type(self.env["account.move"])._post

        def post(moves, soft=True):
            if self.customer in moves.partner_id.commercial_partner_id:
                raise UserError(
                    moves.env._("You cannot add/modify entries prior to the lock date.")
                )
            return original(moves, soft=soft)

        with patch.object(type(self.env["account.move"]), "_post", post):
            orders = self._generate()
        failed = orders.filtered(lambda o: o.partner_id == self.customer)
        other = orders - failed
        self.assertEqual(orders.mapped("state"), ["sale", "sale"])
        self.assertFalse(failed.invoice_ids)
        self.assertEqual(other.invoice_ids.state, "posted")
        self.assertIn("lock date", failed.autosales_invoice_error)
        self.assertIn("lock date", failed.message_ids[0].body)
        activity = failed.activity_ids
        self.assertEqual(activity.user_id, self.salesman)
        # not retried by the scheduled action until fixed and retried
        self.assertEqual(self.SaleOrder._cron_autosales_invoice_orders(), 0)
        failed.action_autosales_retry_invoicing()
        self.assertEqual(failed.invoice_ids.state, "posted")
        self.assertFalse(failed.autosales_invoice_error)

    def test_order_confirmed_later_is_invoiced_by_the_scheduled_action(self):
        self.company.account_use_credit_limit = True
        self.customer.credit_limit = 1000
        standing = self._create_standing_order(invoicing_mode="on_order")
        order = self._generate()
        self.assertEqual(order.state, "draft")
        self.customer.credit_limit = 100000
        standing.action_resume()
        self.assertEqual(order.state, "sale")
        self.assertEqual(self.SaleOrder._cron_autosales_invoice_orders(), 1)
        self.assertEqual(order.invoice_ids.state, "posted")

    def test_access(self):
        standing = self._create_standing_order(invoicing_mode="on_order")
        order = self._generate()
        invoice = order.invoice_ids
        salesman_standing = standing.with_user(self.salesman)
        self.assertEqual(salesman_standing.invoice_count, 1)
        action = salesman_standing.action_view_invoices()
        self.assertEqual(action["res_id"], invoice.id)
        portal_user = self.env["res.users"].create(
            {
                "name": "Other Buyer",
                "login": "autosales_other_portal",
                "partner_id": self.other_customer.id,
                "groups_id": [Command.set(self.env.ref("base.group_portal").ids)],
            }
        )
        with self.assertRaises(AccessError):
            invoice.with_user(portal_user).check_access("read")
        other_company = self.env["res.company"].create({"name": "AutoSales Company B"})
        outsider = self.env["res.users"].create(
            {
                "name": "Company B Salesman",
                "login": "autosales_company_b",
                "company_id": other_company.id,
                "company_ids": [Command.set(other_company.ids)],
                "groups_id": [
                    Command.set(self.env.ref("sales_team.group_sale_manager").ids)
                ],
            }
        )
        with self.assertRaises(AccessError):
            invoice.with_user(outsider).check_access("read")


@tagged("post_install", "-at_install")
class TestStandingOrderInvoicingPayNow(AutosalesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_demo_payment()

    def test_paid_order_invoice_is_reconciled_with_the_payment(self):
        token = self._create_token(state="done")
        self._create_standing_order(
            payment_mode="pay_now", payment_token_id=token.id, invoicing_mode="on_order"
        )
        order = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        self.assertEqual(order.state, "sale")
        invoice = order.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(order.transaction_ids.invoice_ids, invoice)
        self.assertEqual(len(order.transaction_ids.payment_id), 1)

    def test_paid_order_invoiced_on_delivery_is_reconciled_then(self):
        token = self._create_token(state="done")
        self._create_standing_order(
            payment_mode="pay_now",
            payment_token_id=token.id,
            invoicing_mode="on_delivery",
        )
        order = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        self.assertFalse(order.invoice_ids)
        picking = order.picking_ids
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking.button_validate()
        self.SaleOrder._cron_autosales_invoice_orders()
        self.assertIn(order.invoice_ids.payment_state, ("paid", "in_payment"))

    def test_refused_payment_leaves_no_invoice(self):
        token = self._create_token(state="error")
        self._create_standing_order(
            payment_mode="pay_now", payment_token_id=token.id, invoicing_mode="on_order"
        )
        order = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        self.assertEqual(order.state, "draft")
        self.SaleOrder._cron_autosales_invoice_orders()
        self.assertFalse(order.invoice_ids)
        self.assertFalse(
            self.env["account.move"].search([("autosales_order_id", "=", order.id)])
        )


@tagged("post_install", "-at_install")
class TestOverdueHold(AutosalesCommon):
    def _overdue_invoice(self, amount, due):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": date(2026, 10, 1),
                "invoice_date_due": due,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Earlier goods", "quantity": 1, "price_unit": amount}
                    )
                ],
            }
        )
        invoice.action_post()
        return invoice

    def _pay(self, invoice):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"payment_date": date(2027, 1, 2)})._create_payments()

    def test_overdue_customer_is_held_then_resumes_once_paid(self):
        invoice = self._overdue_invoice(500.0, date(2026, 12, 1))
        standing = self._create_standing_order()
        with patch.object(type(standing), "_get_today", return_value=date(2027, 1, 1)):
            # off by default
            self.assertTrue(
                self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
            )
        self.assertEqual(standing.next_date, date(2027, 3, 1))
        self.company.autosales_overdue_hold_days = 30
        # due since less than 30 days on March 1st: not held for it
        invoice2 = self._overdue_invoice(200.0, date(2027, 2, 15))
        with patch.object(type(standing), "_get_today", return_value=date(2027, 3, 1)):
            self.assertFalse(
                self.StandingOrder._generate_due_orders(until=date(2027, 3, 1))
            )
            self.assertEqual(standing.state, "exception")
            self.assertTrue(standing.exception_overdue)
            # the amount overdue by more than 30 days, with its currency
            self.assertIn("500.00", standing.exception_reason)
            self.assertNotIn("700.00", standing.exception_reason)
            self.assertIn("overdue", standing.activity_ids.note)
            # still overdue: stays held
            self.assertFalse(
                self.StandingOrder._generate_due_orders(until=date(2027, 3, 1))
            )
            self._pay(invoice)
            orders = self.StandingOrder._generate_due_orders(until=date(2027, 3, 1))
        self.assertEqual(standing.state, "active")
        self.assertFalse(standing.exception_overdue)
        self.assertFalse(standing.activity_ids)
        self.assertEqual(orders.standing_order_date, date(2027, 3, 1))
        self.assertEqual(orders.state, "sale")
        self.assertEqual(invoice2.payment_state, "not_paid")
