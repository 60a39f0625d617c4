import json
import re
from datetime import date

from odoo.fields import Command
from odoo.tests import HttpCase, tagged

from .common import AutosalesCommon


class PortalCommon(AutosalesCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = cls.env["res.users"].create(
            {
                "name": "Bea Buyer",
                "login": "autosales_portal",
                "password": "autosales_portal",
                "partner_id": cls.customer_contact.id,
                "groups_id": [Command.set(cls.env.ref("base.group_portal").ids)],
            }
        )
        cls.standing = cls._create_standing_order(start_date=date(2099, 1, 1))
        cls.foreign = cls._create_standing_order(
            partner_id=cls.other_customer.id, start_date=date(2099, 1, 1)
        )
        cls.foreign_address = cls.env["res.partner"].create(
            {
                "name": "Dimlight Depot",
                "type": "delivery",
                "parent_id": cls.other_customer.id,
            }
        )

    def _page(self, url):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        return response

    def _csrf(self, response):
        return re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)

    def _post(self, standing, operation, data, csrf=True):
        values = dict(data)
        if csrf:
            page = self._page(standing.get_portal_url())
            values["csrf_token"] = self._csrf(page)
        return self.url_open(
            f"/my/standing-orders/{standing.id}/{operation}",
            data=values,
            allow_redirects=True,
        )

    def _flash(self, response):
        match = re.search(r"o_standing_order_flash[^>]*>\s*([^<]+)", response.text)
        return match and match.group(1).strip()


@tagged("post_install", "-at_install")
class TestStandingOrderPortal(PortalCommon):
    def test_portal_tour_pause_skip_quantity_cancel(self):
        self.standing.line_ids.product_uom_qty = 1000
        self.start_tour("/my", "autosales_portal_tour", login="autosales_portal")
        self.assertEqual(self.standing.state, "cancelled")
        self.assertEqual(self.standing.cancel_reason, "Moving to LED panels")
        self.assertEqual(self.standing.cancel_reason_id.name, "Switched supplier")
        self.assertEqual(self.standing.line_ids.product_uom_qty, 1500)
        self.assertEqual(
            (self.standing.interval_number, self.standing.interval_type), (3, "week")
        )
        self.assertEqual(
            self.standing.next_date, date(2099, 3, 1), "one occurrence skipped"
        )
        salesman_notes = self.standing.message_ids.filtered(
            lambda m: self.salesman.partner_id in m.partner_ids
        )
        self.assertGreaterEqual(
            len(salesman_notes), 4, "each change notified the salesperson"
        )

    def test_portal_tour_date_address_payment_method_order_now(self):
        self._setup_demo_payment()
        self.provider.is_published = True
        first_card = self._create_token()
        second_card = self._create_token()
        second_card.payment_details = "1111"
        self.standing.write(
            {"payment_mode": "pay_now", "payment_token_id": first_card.id}
        )
        depot = self.env["res.partner"].create(
            {
                "name": "Brightlight Depot",
                "type": "delivery",
                "parent_id": self.customer.id,
                "street": "2 Depot Road",
                "city": "Springfield",
            }
        )
        self.start_tour(
            f"/my/standing-orders/{self.standing.id}",
            "autosales_portal_change_dialogs",
            login="autosales_portal",
        )
        self.assertEqual(self.standing.partner_shipping_id, depot)
        self.assertEqual(self.standing.payment_token_id, second_card)
        order = self.standing.order_ids
        self.assertEqual(order.standing_order_date, date(2099, 2, 15))
        self.assertEqual(order.partner_shipping_id, depot)
        self.assertEqual(
            self.standing.next_date, date(2099, 4, 15), "moved, then one placed"
        )

    def test_customer_pays_the_refused_order_with_a_new_card(self):
        self._setup_demo_payment()
        self.provider.is_published = True
        self.standing.write(
            {
                "payment_mode": "pay_now",
                "payment_token_id": self._create_token(state="error").id,
                "next_date": date(2027, 1, 1),
            }
        )
        order = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        self.assertEqual(self.standing.state, "exception")
        self.start_tour(
            f"/my/standing-orders/{self.standing.id}",
            "autosales_portal_new_card",
            login="autosales_portal",
        )
        new_token = self.standing.payment_token_id
        self.assertEqual(new_token.payment_details[-4:], "1111")
        self.assertEqual(order.state, "sale", "the pending order was paid")
        self.assertEqual(
            order.transaction_ids.filtered(lambda tx: tx.state == "done").token_id,
            new_token,
        )
        self.assertEqual(self.standing.state, "active")
        self.assertEqual(self.standing.order_count, 1)
        self.authenticate("autosales_portal", "autosales_portal")
        page = self._page(self.standing.get_portal_url()).text
        self.assertNotIn("4111111111111111", page, "card numbers are masked")
        self.assertIn("•••• 1111", page)

    def test_customer_saves_a_new_card_for_a_stopped_standing_order(self):
        self._setup_demo_payment()
        self.provider.is_published = True
        old_token = self._create_token(state="done")
        self.standing.write(
            {"payment_mode": "pay_now", "payment_token_id": old_token.id}
        )
        old_token.active = False  # the customer removed it
        self.assertEqual(self.standing.state, "exception")
        self.authenticate("autosales_portal", "autosales_portal")
        page = self._page(self.standing.get_portal_url())
        self.assertIn("o_standing_order_new_card", page.text)
        self.assertIn("Add a new payment method", page.text)
        result = self.make_jsonrpc_request(
            f"/my/standing-orders/{self.standing.id}/transaction",
            {
                "access_token": self.standing.access_token,
                "provider_id": self.provider.id,
                "payment_method_id": self.payment_method.id,
                "token_id": None,
                "amount": None,
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": "/my/standing-orders",
                "is_validation": True,
            },
        )
        transaction = self.env["payment.transaction"].search(
            [("reference", "=", result["reference"])]
        )
        self.assertEqual(transaction.operation, "validation", "nothing to pay")
        self.assertTrue(transaction.tokenize, "the card is saved")
        self.assertEqual(transaction.autosales_standing_order_id, self.standing)
        # What the demo provider does when the customer submits the card.
        transaction._handle_notification_data(
            "demo",
            {
                "reference": transaction.reference,
                "payment_details": "5555",
                "simulated_state": "done",
            },
        )
        transaction._post_process()
        self.assertEqual(self.standing.payment_token_id, transaction.token_id)
        self.assertEqual(self.standing.state, "active")
        self.assertFalse(self.standing.payment_method_lost)

    def test_list_shows_only_own_standing_orders(self):
        self.authenticate("autosales_portal", "autosales_portal")
        response = self._page("/my/standing-orders")
        self.assertIn(self.standing.name, response.text)
        self.assertNotIn(self.foreign.name, response.text)
        home = self.url_open("/my/home")
        self.assertIn("/my/standing-orders", home.text)

    def test_page_lists_the_invoices_of_the_orders_paid_or_due(self):
        standing = self._create_standing_order(invoicing_mode="on_order")
        orders = self.StandingOrder._generate_due_orders(until=date(2027, 3, 1))
        self.assertEqual(len(orders), 2)
        paid, due = orders.invoice_ids.sorted("id")
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=paid.ids
        ).create({})._create_payments()
        self.assertIn(paid.payment_state, ("paid", "in_payment"))
        # an invoice of the same customer outside the standing order
        other = due.copy()
        other.action_post()
        self.authenticate("autosales_portal", "autosales_portal")
        page = self._page(standing.get_portal_url()).text
        rows = re.findall(
            r'<div class="o_standing_order_invoice[^"]*">(.*?)</div>', page, re.S
        )
        paid_row = next(row for row in rows if paid.name in row)
        due_row = next(row for row in rows if due.name in row)
        self.assertIn("Paid", paid_row)
        self.assertNotIn("Pay now", paid_row)
        self.assertIn("Due", due_row)
        self.assertIn("Pay now", due_row)
        self.assertIn(f"/my/invoices/{due.id}", due_row)
        self.assertNotIn(other.name, page)
        # another customer's portal user gets nothing of it
        self.env["res.users"].create(
            {
                "name": "Dim Buyer",
                "login": "autosales_other_buyer",
                "password": "autosales_other_buyer",
                "partner_id": self.env["res.partner"]
                .create({"name": "Dim Buyer", "parent_id": self.other_customer.id})
                .id,
                "groups_id": [Command.set(self.env.ref("base.group_portal").ids)],
            }
        )
        self.authenticate("autosales_other_buyer", "autosales_other_buyer")
        response = self.url_open(f"/my/standing-orders/{standing.id}")
        self.assertNotIn(due.name, response.text)

    def test_other_customer_standing_order_is_not_shown_or_changed(self):
        self.authenticate("autosales_portal", "autosales_portal")
        response = self.url_open(f"/my/standing-orders/{self.foreign.id}")
        self.assertNotIn(self.foreign.name, response.text)
        own_page = self._page(self.standing.get_portal_url())
        response = self.url_open(
            f"/my/standing-orders/{self.foreign.id}/pause",
            data={"csrf_token": self._csrf(own_page)},
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.foreign.state, "active")

    def test_tampered_or_missing_token_gives_no_access(self):
        url = f"/my/standing-orders/{self.standing.id}"
        self.standing._portal_ensure_token()
        response = self.url_open(f"{url}?access_token=not-the-token")
        self.assertNotIn(self.standing.name, response.text)
        response = self.url_open(url)
        self.assertNotIn(self.standing.name, response.text)
        response = self.url_open(self.standing.get_portal_url())
        self.assertIn(self.standing.name, response.text, "the emailed link works")

    def test_access_token_link_allows_changes(self):
        response = self._post(
            self.standing, "pause", {"access_token": self.standing.access_token}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.standing.state, "paused")

    def test_missing_csrf_token_is_refused(self):
        self.authenticate("autosales_portal", "autosales_portal")
        response = self._post(self.standing, "pause", {"reason": "x"}, csrf=False)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.standing.state, "active")

    def test_get_never_changes_data(self):
        self.authenticate("autosales_portal", "autosales_portal")
        response = self.url_open(f"/my/standing-orders/{self.standing.id}/pause")
        self.assertIn(response.status_code, (404, 405))
        self.assertEqual(self.standing.state, "active")

    def test_bad_input_shows_a_message_and_changes_nothing(self):
        self.authenticate("autosales_portal", "autosales_portal")
        line = self.standing.line_ids
        cases = [
            ("quantity", {"line_id": line.id, "quantity": "-5"}, "greater than zero"),
            ("quantity", {"line_id": line.id, "quantity": "lots"}, "enter a number"),
            ("quantity", {"line_id": line.id, "quantity": "inf"}, "enter a number"),
            ("quantity", {"line_id": line.id, "quantity": "nan"}, "enter a number"),
            ("quantity", {"line_id": line.id, "quantity": "1e308"}, "at most"),
            ("quantity", {"line_id": line.id, "quantity": "1e20"}, "at most"),
            (
                "interval",
                {"interval_number": "1e5", "interval_type": "week"},
                "enter a number",
            ),
            (
                "interval",
                {"interval_number": "99999999999999999999", "interval_type": "year"},
                "between 1 and 5",
            ),
            ("next-date", {"next_date": "99999-01-01"}, "not valid"),
            (
                "address",
                {"address_id": "99999999999999999999"},
                "own delivery addresses",
            ),
            ("payment-method", {"token_id": "1e400"}, "own saved payment methods"),
            (
                "interval",
                {"interval_number": "2", "interval_type": "fortnight"},
                "interval",
            ),
            ("interval", {"interval_number": "0", "interval_type": "week"}, "interval"),
            ("next-date", {"next_date": "2001-01-01"}, "past"),
            (
                "address",
                {"address_id": self.foreign_address.id},
                "own delivery addresses",
            ),
            ("payment-method", {"token_id": "999999"}, "own saved payment methods"),
        ]
        for operation, data, message in cases:
            with self.subTest(operation=operation, data=data):
                response = self._post(self.standing, operation, data)
                self.assertEqual(response.status_code, 200)
                self.assertIn(message, self._flash(response) or "")
        self.assertEqual(line.product_uom_qty, 1000)
        self.assertEqual(
            (self.standing.interval_number, self.standing.interval_type), (2, "month")
        )
        self.assertEqual(self.standing.next_date, date(2099, 1, 1))
        self.assertEqual(self.standing.partner_shipping_id, self.customer)

    def test_extra_post_fields_are_ignored(self):
        self.authenticate("autosales_portal", "autosales_portal")
        self._post(
            self.standing,
            "next-date",
            {
                "next_date": "2099-02-15",
                "state": "cancelled",
                "partner_id": self.other_customer.id,
                "company_id": 999,
                "price_unit": 0.01,
            },
        )
        self.assertEqual(self.standing.next_date, date(2099, 2, 15))
        self.assertEqual(self.standing.state, "active")
        self.assertEqual(self.standing.partner_id, self.customer)

    def test_change_interval_and_address(self):
        self.authenticate("autosales_portal", "autosales_portal")
        depot = self.env["res.partner"].create(
            {
                "name": "Brightlight Depot",
                "type": "delivery",
                "parent_id": self.customer.id,
            }
        )
        self._post(
            self.standing, "interval", {"interval_number": "3", "interval_type": "week"}
        )
        self._post(self.standing, "address", {"address_id": depot.id})
        self.assertEqual(
            (self.standing.interval_number, self.standing.interval_type), (3, "week")
        )
        self.assertEqual(self.standing.partner_shipping_id, depot)

    def test_order_now_places_the_next_occurrence_once(self):
        self.authenticate("autosales_portal", "autosales_portal")
        page = self._page(self.standing.get_portal_url())
        self.assertIn("o_standing_order_order_now_confirm", page.text)
        response = self._post(self.standing, "order-now", {"occurrence": "2099-01-01"})
        order = self.standing.order_ids
        self.assertEqual(len(order), 1)
        self.assertEqual(order.standing_order_date, date(2099, 1, 1))
        self.assertIn(order.name, self._flash(response))
        self.assertEqual(self.standing.next_date, date(2099, 3, 1))
        # The same form sent again (double click, back button) places nothing.
        response = self._post(self.standing, "order-now", {"occurrence": "2099-01-01"})
        self.assertIn("already placed", self._flash(response))
        self.assertEqual(self.standing.order_ids, order)
        response = self._post(self.standing, "order-now", {})
        self.assertEqual(self.standing.order_ids, order, "no occurrence, no order")

    def test_emailed_link_may_only_pause_and_skip(self):
        self._setup_demo_payment()
        token = self._create_token()
        self.standing.write({"payment_mode": "pay_now", "payment_token_id": token.id})
        attacker_token = self._create_token(state="done")
        depot = self.env["res.partner"].create(
            {
                "name": "Somewhere Else",
                "type": "delivery",
                "parent_id": self.customer.id,
                "street": "1 Far Road",
                "city": "Elsewhere",
            }
        )
        link = {"access_token": self.standing._portal_ensure_token()}
        page = self._page(self.standing.get_portal_url())
        self.assertIn("sign in", page.text.lower())
        self.assertNotIn("o_standing_order_order_now_confirm", page.text)
        for operation, data in (
            ("order-now", {"occurrence": "2099-01-01"}),
            ("address", {"address_id": depot.id}),
            ("payment-method", {"token_id": attacker_token.id}),
            ("quantity", {"line_id": self.standing.line_ids.id, "quantity": "9"}),
            ("cancel", {}),
        ):
            with self.subTest(operation=operation):
                response = self._post(self.standing, operation, link | data)
                self.assertIn("Sign in", self._flash(response))
        self.assertFalse(self.standing.order_ids)
        self.assertEqual(self.standing.partner_shipping_id, self.customer)
        self.assertEqual(self.standing.payment_token_id, token)
        self.assertEqual(self.standing.line_ids.product_uom_qty, 1000)
        self.assertEqual(self.standing.state, "active")
        self._post(self.standing, "skip", link)
        self.assertEqual(self.standing.next_date, date(2099, 3, 1))
        response = self._post(self.standing, "pause", link)
        self.assertEqual(self.standing.state, "paused")
        response = self._post(self.standing, "resume", link)
        self.assertIn("Sign in", self._flash(response))
        self.assertEqual(self.standing.state, "paused")

    def test_every_change_is_a_form_of_an_operation_with_a_csrf_token(self):
        self._setup_demo_payment()
        self.standing.write(
            {"payment_mode": "pay_now", "payment_token_id": self._create_token().id}
        )
        self.env["res.partner"].create(
            {"name": "Depot", "type": "delivery", "parent_id": self.customer.id}
        )
        self.authenticate("autosales_portal", "autosales_portal")
        page = self._page(self.standing.get_portal_url()).text
        forms = {}
        for tag, body in re.findall(r"(<form[^>]*>)(.*?)</form>", page, re.DOTALL):
            action = re.search(
                rf'action="/my/standing-orders/{self.standing.id}/([\w-]+)"', tag
            )
            if action:
                self.assertIn('class="modal-content', tag, "asked in a dialog")
                self.assertIn('method="post"', tag)
                forms[action.group(1)] = body
        self.assertEqual(
            set(forms),
            set(TestStandingOrderPortalSecurity.OPERATIONS) - {"resume"},
            "each change is asked in a dialog; a running one is not resumed",
        )
        for operation, form in forms.items():
            with self.subTest(operation=operation):
                self.assertIn('name="csrf_token"', form)

    def test_emailed_link_shows_only_pause_and_skip(self):
        page = self._page(self.standing.get_portal_url()).text
        self.assertIn("o_standing_order_pause_confirm", page)
        self.assertIn("o_standing_order_skip_confirm", page)
        for owner_only in (
            "o_standing_order_change",
            "o_standing_order_order_now",
            "o_standing_order_cancel",
            "o_standing_order_quantity_form",
            "o_standing_order_interval_form",
        ):
            self.assertNotIn(owner_only, page)
        self.assertIn("o_standing_order_sign_in", page)

    def test_page_lists_the_upcoming_orders_until_the_end(self):
        self.standing.write({"end_type": "count", "max_occurrences": 3})
        self.authenticate("autosales_portal", "autosales_portal")
        page = self._page(self.standing.get_portal_url()).text
        upcoming = page.split("o_standing_order_upcoming")[1].split("</ul>")[0]
        self.assertEqual(
            re.findall(r"\d\d/\d\d/\d{4}", upcoming),
            ["01/01/2099", "03/01/2099", "05/01/2099"],
        )
        self.standing.action_pause()
        page = self._page(self.standing.get_portal_url()).text
        self.assertNotIn("o_standing_order_upcoming", page)
        self.assertIn("No order is placed while the standing order is paused", page)

    def test_page_of_a_schedule_near_the_last_calendar_date(self):
        self.standing.write(
            {
                "next_date": date(9998, 1, 1),
                "interval_number": 5,
                "interval_type": "year",
            }
        )
        self.authenticate("autosales_portal", "autosales_portal")
        page = self._page(self.standing.get_portal_url()).text
        upcoming = page.split("o_standing_order_upcoming")[1].split("</ul>")[0]
        self.assertIn("01/01/9998", upcoming)

    def test_page_follows_the_users_language(self):
        german = self.env["res.lang"]._activate_lang("de_DE")
        self.env.ref("website.default_website").language_ids |= german
        self.portal_user.lang = "de_DE"
        self.standing.line_ids.product_uom_qty = 1234.5
        self.authenticate("autosales_portal", "autosales_portal")
        page = self._page(f"/de{self.standing.get_portal_url()}").text
        self.assertIn("01.01.2099", page.split("o_standing_order_next_date")[1])
        quantity = re.search(r'o_standing_order_quantity">([^<]*)<', page).group(1)
        self.assertEqual(quantity, "1.234,5", "no trailing zeros")
        amount = page.split("o_standing_order_amount")[1][:300]
        self.assertIn("3.086,25", amount, "1234.5 bulbs at 2.50")
        self.assertNotIn("3,086.25", page)

    def test_skip_message_shows_dates_in_the_users_format(self):
        self.authenticate("autosales_portal", "autosales_portal")
        response = self._post(self.standing, "skip", {})
        self.assertIn("01/01/2099", self._flash(response))
        self.assertNotIn("2099-01-01", self._flash(response))


@tagged("post_install", "-at_install")
class TestStandingOrderPortalSecurity(PortalCommon):
    """Nothing of another customer's standing order is shown or changed."""

    OPERATIONS = (
        "pause",
        "resume",
        "skip",
        "order-now",
        "cancel",
        "quantity",
        "interval",
        "next-date",
        "address",
        "payment-method",
    )

    def _snapshot(self, standing):
        return (
            standing.state,
            standing.next_date,
            standing.interval_number,
            standing.partner_shipping_id,
            standing.payment_token_id,
            tuple(standing.line_ids.mapped("product_uom_qty")),
            len(standing.order_ids),
        )

    def _all_operations(self, standing, extra=None):
        values = {
            "line_id": standing.line_ids[:1].id,
            "quantity": "5",
            "interval_number": "1",
            "interval_type": "week",
            "next_date": "2099-06-01",
            "address_id": standing.partner_id.id,
            "token_id": "1",
            "reason": "forged",
        } | (extra or {})
        csrf = self._csrf(self._page(self.standing.get_portal_url()))
        responses = []
        for operation in self.OPERATIONS:
            responses.append(
                self.url_open(
                    f"/my/standing-orders/{standing.id}/{operation}",
                    data=dict(values, csrf_token=csrf),
                )
            )
        return responses

    def test_every_operation_on_another_customer_is_refused(self):
        self.authenticate("autosales_portal", "autosales_portal")
        before = self._snapshot(self.foreign)
        for response in self._all_operations(self.foreign):
            self.assertEqual(response.status_code, 404)
            self.assertNotIn(self.foreign.name, response.text)
        self.foreign.invalidate_recordset()
        self.assertEqual(self._snapshot(self.foreign), before)

    def test_public_user_without_token_gets_nothing(self):
        before = self._snapshot(self.standing)
        for response in self._all_operations(self.standing, {"access_token": ""}):
            self.assertIn(response.status_code, (400, 403, 404))
            self.assertNotIn(self.standing.name, response.text)
        self.standing.invalidate_recordset()
        self.assertEqual(self._snapshot(self.standing), before)

    def test_ids_are_not_enumerable(self):
        self.authenticate("autosales_portal", "autosales_portal")
        others = self.StandingOrder.sudo().search([("id", "!=", self.standing.id)])
        for standing in others[:20]:
            response = self.url_open(f"/my/standing-orders/{standing.id}")
            self.assertNotIn(standing.name, response.text)
        self.assertNotIn(self.foreign.name, self.url_open("/my/standing-orders").text)

    def test_portal_user_of_another_company_sees_nothing(self):
        company_b = self.env["res.company"].create({"name": "Other Company"})
        stranger_partner = self.env["res.partner"].create(
            {"name": "Stranger", "company_id": company_b.id}
        )
        self.env["res.users"].create(
            {
                "name": "Stranger",
                "login": "autosales_stranger",
                "password": "autosales_stranger",
                "partner_id": stranger_partner.id,
                "company_id": company_b.id,
                "company_ids": [Command.set(company_b.ids)],
                "groups_id": [Command.set(self.env.ref("base.group_portal").ids)],
            }
        )
        self.authenticate("autosales_stranger", "autosales_stranger")
        listing = self.url_open("/my/standing-orders")
        self.assertNotIn(self.standing.name, listing.text)
        page = self.url_open(f"/my/standing-orders/{self.standing.id}")
        self.assertNotIn(self.standing.name, page.text)

    def test_another_partners_payment_token_is_refused(self):
        self._setup_demo_payment()
        foreign_token = self._create_token(partner=self.other_customer)
        self.authenticate("autosales_portal", "autosales_portal")
        response = self._post(
            self.standing, "payment-method", {"token_id": foreign_token.id}
        )
        self.assertIn("own saved payment methods", self._flash(response))
        self.assertFalse(self.standing.payment_token_id)
        self.assertEqual(self.standing.payment_mode, "on_account")

    def test_portal_user_cannot_call_actions_over_json_rpc(self):
        self.authenticate("autosales_portal", "autosales_portal")
        for method in ("action_pause", "action_cancel", "action_generate_now", "write"):
            args = [[self.standing.id]] + (
                [{"state": "cancelled"}] if method == "write" else []
            )
            response = self.url_open(
                "/web/dataset/call_kw",
                data=json.dumps(
                    {
                        "jsonrpc": "2.0",
                        "method": "call",
                        "params": {
                            "model": "sale.standing.order",
                            "method": method,
                            "args": args,
                            "kwargs": {},
                        },
                    }
                ),
                headers={"Content-Type": "application/json"},
            )
            self.assertIn("error", response.json(), method)
            self.assertNotIn("result", response.json(), method)
        self.standing.invalidate_recordset()
        self.assertEqual(self.standing.state, "active")
        self.assertFalse(self.standing.order_ids)

    def test_token_of_another_document_gives_no_access(self):
        self.standing.action_generate_now()
        order_token = self.standing.order_ids._portal_ensure_token()
        before = self._snapshot(self.standing)
        for response in self._all_operations(
            self.standing, {"access_token": order_token}
        ):
            self.assertIn(response.status_code, (400, 403, 404))
        page = self.url_open(
            f"/my/standing-orders/{self.standing.id}?access_token={order_token}"
        )
        self.assertNotIn(self.standing.name, page.text)
        self.standing.invalidate_recordset()
        self.assertEqual(self._snapshot(self.standing), before)
