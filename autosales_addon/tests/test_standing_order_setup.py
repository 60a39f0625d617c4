from datetime import date

from odoo.tests import Form, tagged

from .common import AutosalesCommon


@tagged("post_install", "-at_install")
class TestStandingOrderSetup(AutosalesCommon):
    """A salesperson setting up a standing order for a customer is led to a
    payment mode the customer can use, and told what stops activation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_demo_payment()
        cls.newcomer = cls.env["res.partner"].create(
            {
                "name": "Newcomer Shop",
                "is_company": True,
                "email": "buy@newcomer.example.com",
                "street": "3 New Street",
                "city": "Springfield",
            }
        )

    def _new_form(self, partner):
        form = Form(self.StandingOrder.with_user(self.salesman))
        form.partner_id = partner
        with form.line_ids.new() as line:
            line.product_id = self.bulb
            line.product_uom_qty = 10
        return form

    def test_approved_customer_defaults_to_their_account(self):
        form = self._new_form(self.customer)
        self.assertEqual(form.payment_mode, "on_account")
        standing = form.save()
        self.assertFalse(standing.activation_warning)
        standing.action_activate()
        self.assertEqual(standing.state, "active")

    def test_new_customer_defaults_to_a_saved_payment_method_and_is_told(self):
        form = self._new_form(self.newcomer)
        self.assertEqual(form.payment_mode, "pay_now", "not approved for the account")
        standing = form.save()
        self.assertIn("no saved payment method", standing.activation_warning)
        standing.payment_mode = "on_account"
        self.assertIn("sales manager can approve", standing.activation_warning)
        standing.payment_mode = "pay_now"
        # The salesperson sends the customer the link to save a card.
        action = standing.with_user(self.salesman).action_send_card_request()
        composer = (
            self.env["mail.compose.message"]
            .with_context(**action["context"])
            .create({})
        )
        self.assertIn(standing.get_portal_url(anchor="payment"), composer.body)
        composer._action_send_mail()
        # The customer saves one: the salesperson is asked to activate.
        token = self._create_token(partner=self.newcomer)
        standing._change_payment_token(token)
        self.assertEqual(standing.payment_token_id, token)
        self.assertFalse(standing.activation_warning)
        self.assertIn("activate", standing.activity_ids.summary)
        standing.action_activate()
        order = self.StandingOrder._generate_due_orders(until=standing.next_date)
        self.assertEqual(order.state, "sale")

    def test_saved_payment_method_is_chosen_by_default(self):
        token = self._create_token(partner=self.newcomer)
        form = self._new_form(self.newcomer)
        self.assertEqual(form.payment_mode, "pay_now")
        self.assertEqual(form.payment_token_id, token)
        standing = form.save()
        self.assertFalse(standing.activation_warning)

    def test_running_standing_order_keeps_its_payment_mode(self):
        standing = self._create_standing_order(start_date=date(2027, 1, 1))
        self.customer.on_account_allowed = False
        standing.partner_id = self.customer_contact
        self.assertEqual(standing.payment_mode, "on_account")

    def test_quantities_are_shown_without_trailing_zeros(self):
        line = self._create_standing_order(activate=False).line_ids
        line.product_uom_qty = 1000
        self.assertEqual(line._get_display_quantity(), "1,000")
        self.assertEqual(line._get_input_quantity(), "1000")
        line.product_uom_qty = 2.5
        self.assertEqual(line._get_display_quantity(), "2.5")
        self.assertEqual(line._get_input_quantity(), "2.5")
