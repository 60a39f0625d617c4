import json
from datetime import timedelta

from odoo import fields
from odoo.fields import Command
from odoo.http import root
from odoo.tests import HttpCase, tagged

from .common import AutosalesCommon


@tagged("post_install", "-at_install")
class TestWebshopCheckout(AutosalesCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_demo_payment()
        cls.provider.write({"is_published": True, "allow_express_checkout": True})
        cls.website = cls.env.ref("website.default_website")
        cls.bulb.write({"is_published": True, "website_sequence": 1})
        belgium = cls.env.ref("base.be")
        address = {
            "street": "Rue Neuve 1",
            "city": "Brussels",
            "zip": "1000",
            "country_id": belgium.id,
            "phone": "+32 2 555 55 55",
        }
        cls.customer.write(address)
        cls.customer_contact.write(address)
        cls.shopper = cls.env["res.users"].create(
            {
                "name": "Bea Buyer",
                "login": "autosales_shopper",
                "password": "autosales_shopper",
                "partner_id": cls.customer_contact.id,
                "groups_id": [Command.set(cls.env.ref("base.group_portal").ids)],
            }
        )
        cls.other_contact = cls.env["res.partner"].create(
            {
                "name": "Dan Dim",
                "parent_id": cls.other_customer.id,
                "email": "dan@dim.example.com",
            }
        )
        cls.other_customer.write(address | {"on_account_allowed": False})
        cls.other_contact.write(address)
        cls.other_shopper = cls.env["res.users"].create(
            {
                "name": "Dan Dim",
                "login": "autosales_other_shopper",
                "password": "autosales_other_shopper",
                "partner_id": cls.other_contact.id,
                "groups_id": [Command.set(cls.env.ref("base.group_portal").ids)],
            }
        )
        carrier = cls.env.ref("delivery.free_delivery_carrier")
        carrier.write({"is_published": True, "website_id": False})

    def _last_order(self, partner):
        return self.SaleOrder.search(
            [("partner_id", "child_of", partner.commercial_partner_id.id)],
            order="id desc",
            limit=1,
        )

    def test_one_time_checkout_is_unchanged(self):
        self.start_tour(
            "/shop", "autosales_checkout_one_time", login="autosales_shopper"
        )
        order = self._last_order(self.customer)
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.autosales_repeat_option_id)
        self.assertFalse(
            self.StandingOrder.search([("source_order_id", "=", order.id)])
        )

    def test_repeated_checkout_pay_now_saves_token_and_creates_standing_order(self):
        self.start_tour(
            "/shop", "autosales_checkout_repeat_pay_now", login="autosales_shopper"
        )
        order = self._last_order(self.customer)
        self.assertEqual(order.state, "sale")
        standing = order.autosales_checkout_standing_id
        self.assertTrue(standing)
        self.assertEqual(standing.state, "active")
        self.assertEqual(standing.payment_mode, "pay_now")
        self.assertTrue(standing.payment_token_id, "the payment method was saved")
        self.assertEqual(standing.payment_token_id, order.transaction_ids.token_id)
        self.assertEqual(
            (standing.interval_number, standing.interval_type), (2, "month")
        )
        order_date = fields.Date.to_date(order.date_order)
        self.assertEqual(
            standing.next_date, order_date + (standing._get_recurrence_delta())
        )
        self.assertEqual(standing.line_ids.product_id, self.bulb)
        confirmation = order.message_ids.filtered(
            lambda m: order.name in (m.subject or "")
        )
        self.assertTrue(confirmation)
        self.assertIn("Every 2 months", confirmation[0].subject)
        # confirming the payment again (webhook after the return page) changes nothing
        order.transaction_ids._post_process()
        order._autosales_create_checkout_standing_orders()
        self.assertEqual(
            self.StandingOrder.search_count([("source_order_id", "=", order.id)]), 1
        )

    def test_on_account_checkout_for_approved_customer(self):
        self.start_tour(
            "/shop", "autosales_checkout_on_account", login="autosales_shopper"
        )
        order = self._last_order(self.customer)
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.transaction_ids, "no online payment")
        standing = order.autosales_checkout_standing_id
        self.assertEqual(standing.payment_mode, "on_account")
        self.assertEqual(standing.state, "active")
        self.assertEqual(
            (standing.interval_number, standing.interval_type), (4, "week")
        )
        self.assertEqual(
            standing.next_date,
            fields.Date.to_date(order.date_order) + timedelta(weeks=4),
        )
        # On the portal, the webshop order is the standing order's first one.
        self.authenticate("autosales_shopper", "autosales_shopper")
        page = self.url_open(standing.get_portal_url()).text
        self.assertNotIn("No order has been placed yet", page)
        self.assertIn(order.name, page.split("o_standing_order_past_orders")[1])
        self.assertEqual(
            standing._get_started_date(), fields.Date.to_date(order.date_order)
        )
        standing.action_cancel()
        page = self.url_open(standing.get_portal_url()).text
        ends = page.split("o_standing_order_ends")[1][:300]
        self.assertIn("Cancelled", ends)
        self.assertNotIn("Until further notice", ends)

    def test_on_account_absent_for_unapproved_customer(self):
        self.start_tour(
            "/shop", "autosales_checkout_no_on_account", login="autosales_other_shopper"
        )

    def _cart_in_session(self, login, contact, **values):
        """Put a ready-to-pay cart of ``contact`` in ``login``'s session."""
        cart = self.SaleOrder.create(
            {
                "partner_id": contact.id,
                "website_id": self.website.id,
                "order_line": [
                    Command.create({"product_id": self.bulb.id, "product_uom_qty": 1})
                ],
                **values,
            }
        )
        cart._set_delivery_method(self.env.ref("delivery.free_delivery_carrier"))
        self.authenticate(login, login)
        self.session["sale_order_id"] = cart.id
        root.session_store.save(self.session)
        return cart

    def _post_on_account(self, login, contact):
        """Put a ready-to-pay cart in ``login``'s session and post on account."""
        cart = self._cart_in_session(login, contact)
        page = self.url_open("/shop/cart")
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        self.url_open("/shop/payment/on_account", data={"csrf_token": csrf})
        return cart

    def _json_call(self, url, params):
        response = self.url_open(
            url,
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}),
            headers={"Content-Type": "application/json"},
        )
        return response.json()

    def _express_checkout(self):
        """Send the cart's addresses as an express checkout form does."""
        address = {
            "name": "Bea Buyer",
            "email": "bea@example.com",
            "street": "Rue Neuve 1",
            "city": "Brussels",
            "zip": "1000",
            "country": "BE",
        }
        return self._json_call(
            "/shop/express_checkout",
            {"billing_address": address, "shipping_address": address},
        )

    def test_express_checkout_is_offered_for_a_one_time_cart(self):
        cart = self._cart_in_session("autosales_shopper", self.customer_contact)
        page = self.url_open("/shop/cart").text
        self.assertIn('name="o_express_checkout_container"', page)
        response = self._express_checkout()
        self.assertNotIn("error", response)
        self.assertEqual(response["result"], cart.partner_id.id)

    def test_express_checkout_is_refused_for_a_repeated_cart(self):
        option = self.env["autosales.repeat.option"].search([], limit=1)
        cart = self._cart_in_session(
            "autosales_shopper",
            self.customer_contact,
            autosales_repeat_option_id=option.id,
        )
        page = self.url_open("/shop/cart").text
        self.assertIn("o_autosales_repeat_summary", page, "the cart is repeated")
        self.assertNotIn('name="o_express_checkout_container"', page)
        addresses = cart.partner_invoice_id | cart.partner_shipping_id
        # A forged call (or a stale cart page) is refused by the server.
        response = self._express_checkout()
        self.assertIn(
            "Express checkout cannot set up a repeated order",
            response["error"]["data"]["message"],
        )
        response = self._json_call(
            "/shop/express/shipping_address_change",
            {"partial_delivery_address": {"city": "Ghent", "country": "BE"}},
        )
        self.assertIn("Express checkout", response["error"]["data"]["message"])
        self.assertEqual(
            cart.partner_invoice_id | cart.partner_shipping_id,
            addresses,
            "the addresses of the cart are unchanged",
        )
        self.assertEqual(cart.autosales_repeat_option_id, option)

    def test_on_account_request_confirms_for_approved_customer(self):
        cart = self._post_on_account("autosales_shopper", self.customer_contact)
        self.assertEqual(cart.state, "sale")

    def test_repeated_webshop_order_is_invoiced_as_its_standing_order(self):
        self.company.autosales_invoicing_mode = "on_order"
        option = self.env["autosales.repeat.option"].search([], limit=1)
        cart = self._cart_in_session(
            "autosales_shopper",
            self.customer_contact,
            autosales_repeat_option_id=option.id,
        )
        page = self.url_open("/shop/cart")
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        self.url_open("/shop/payment/on_account", data={"csrf_token": csrf})
        self.assertEqual(cart.state, "sale")
        standing = cart.autosales_checkout_standing_id
        self.assertEqual(standing.invoicing_mode, "on_order")
        # its first order is invoiced as the ones that follow
        self.assertEqual(cart.autosales_invoicing_mode, "on_order")
        self.SaleOrder._cron_autosales_invoice_orders()
        self.assertEqual(cart.invoice_ids.state, "posted")
        self.assertEqual(standing.invoice_ids, cart.invoice_ids)

    def test_forged_on_account_request_is_refused(self):
        cart = self._post_on_account("autosales_other_shopper", self.other_contact)
        self.assertEqual(
            cart.state, "draft", "an unapproved customer cannot confirm on account"
        )

    def test_on_account_over_credit_limit_is_refused(self):
        self.company.account_use_credit_limit = True
        self.customer.credit_limit = 1.0
        cart = self._post_on_account("autosales_shopper", self.customer_contact)
        self.assertEqual(cart.state, "draft")

    def test_guest_is_sent_to_sign_in_from_the_cart_and_back(self):
        self.start_tour("/shop", "autosales_checkout_guest_sign_in")
        cart = self._last_order(self.customer)
        self.assertEqual(cart.autosales_repeat_option_id.interval_number, 2)
        self.assertEqual(cart.order_line.product_id, self.bulb)

    def test_guest_cannot_set_up_a_repeated_order(self):
        option = self.env["autosales.repeat.option"].search([], limit=1)
        self.assertTrue(option)
        # The cart route sends a guest to sign in first.
        cart = self.SaleOrder.create(
            {
                "partner_id": self.env.ref("base.public_partner").id,
                "website_id": self.website.id,
                "order_line": [
                    Command.create({"product_id": self.bulb.id, "product_uom_qty": 1})
                ],
            }
        )
        self.authenticate(None, None)
        self.session["sale_order_id"] = cart.id
        root.session_store.save(self.session)
        page = self.url_open("/shop/cart")
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        response = self.url_open(
            "/shop/cart/repeat",
            data={"csrf_token": csrf, "repeat_option_id": str(option.id)},
            allow_redirects=False,
        )
        self.assertIn("/web/login", response.headers["Location"])
        self.assertFalse(cart.autosales_repeat_option_id)
        # A repeat option on a guest's cart (set by any other way) cannot be
        # paid by the JSON payment route.
        cart.autosales_repeat_option_id = option
        response = self.url_open(
            f"/shop/payment/transaction/{cart.id}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {
                        "access_token": cart._portal_ensure_token(),
                        "provider_id": self.provider.id,
                        "payment_method_id": self.payment_method.id,
                        "token_id": None,
                        "amount": cart.amount_total,
                        "flow": "direct",
                        "tokenization_requested": True,
                        "landing_route": "/shop/payment/validate",
                        "is_validation": False,
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertIn("Sign in", response.json()["error"]["data"]["message"])
        self.assertFalse(cart.transaction_ids)

    def test_order_of_a_customer_without_account_is_not_repeated(self):
        option = self.env["autosales.repeat.option"].search([], limit=1)
        guest = self.env["res.partner"].create(
            {"name": "Guest Shopper", "street": "1 Way", "city": "Ghent"}
        )
        order = self.SaleOrder.create(
            {
                "partner_id": guest.id,
                "website_id": self.website.id,
                "autosales_repeat_option_id": option.id,
                "order_line": [
                    Command.create({"product_id": self.bulb.id, "product_uom_qty": 1})
                ],
            }
        )
        order.action_confirm()
        self.assertEqual(order.state, "sale", "the order itself is kept")
        self.assertFalse(order.autosales_checkout_standing_id)
        self.assertFalse(
            self.StandingOrder.search([("source_order_id", "=", order.id)])
        )
        self.assertIn("no customer account", order.message_ids[0].body)
