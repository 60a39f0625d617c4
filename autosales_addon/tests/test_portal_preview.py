from datetime import date

from odoo.tests import tagged

from .test_portal import PortalCommon


@tagged("post_install", "-at_install")
class TestPortalPreparedOrder(PortalCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.standing.preview_days = 5
        cls.foreign.preview_days = 5
        prepared = cls.StandingOrder._cron_prepare_orders(today=date(2098, 12, 30))
        cls.order = cls.standing.prepared_order_id
        cls.foreign_order = cls.foreign.prepared_order_id
        assert prepared == cls.order | cls.foreign_order

    def test_customer_adjusts_and_confirms_the_prepared_order_tour(self):
        self.start_tour(
            f"/my/standing-orders/{self.standing.id}",
            "autosales_portal_prepared_order",
            login="autosales_portal",
        )
        self.assertEqual(self.order.state, "sale")
        self.assertEqual(self.order.autosales_preview_state, "confirmed")
        self.assertEqual(self.order.order_line.product_uom_qty, 1200)
        self.assertEqual(self.order.client_order_ref, "PO-4711")
        self.assertEqual(self.standing.line_ids.product_uom_qty, 1000)
        self.assertEqual(self.standing.next_date, date(2099, 3, 1))
        self.assertTrue(
            self.order.message_ids.filtered(
                lambda m: m.author_id == self.customer_contact and "1,200" in m.body
            ),
            "the customer's change is in the order's chatter",
        )

    def test_apply_to_all_future_orders(self):
        self.authenticate("autosales_portal", "autosales_portal")
        line = self.order.order_line
        response = self._post(
            self.standing,
            "prepared",
            {f"quantity_{line.id}": "1500", "apply_to_all": "1", "reference": ""},
        )
        self.assertIn("all future orders", self._flash(response))
        self.assertEqual(line.product_uom_qty, 1500)
        self.assertEqual(self.standing.line_ids.product_uom_qty, 1500)

    def test_other_customers_lines_are_ignored(self):
        self.authenticate("autosales_portal", "autosales_portal")
        foreign_line = self.foreign_order.order_line
        self._post(self.standing, "prepared", {f"quantity_{foreign_line.id}": "1"})
        self.assertEqual(foreign_line.product_uom_qty, 1000)
        response = self._post(
            self.foreign, "prepared", {f"quantity_{foreign_line.id}": "1"}
        )
        self.assertEqual(response.status_code, 404)
        response = self._post(
            self.foreign,
            "prepared-confirm",
            {"prepared_order_id": str(self.foreign_order.id)},
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(foreign_line.product_uom_qty, 1000)
        self.assertEqual(self.foreign_order.state, "draft")

    def test_emailed_link_shows_but_cannot_change_or_confirm(self):
        url = self.standing.get_portal_url()
        page = self._page(url)
        self.assertIn(self.order.name, page.text)
        self.assertIn("sign in to your account", page.text)
        self.assertNotIn(f'name="quantity_{self.order.order_line.id}"', page.text)
        self.assertNotIn("o_standing_order_prepared_confirm_form", page.text)
        self.assertNotIn(
            "Being prepared", page.text, "not among the orders placed before its date"
        )
        token = self.standing.access_token
        line = self.order.order_line
        for operation, data in (
            ("prepared", {f"quantity_{line.id}": "5"}),
            ("prepared-confirm", {"prepared_order_id": str(self.order.id)}),
        ):
            response = self._post(
                self.standing, operation, {**data, "access_token": token}
            )
            self.assertIn("Sign in", self._flash(response))
        self.assertEqual(line.product_uom_qty, 1000)
        self.assertEqual(self.order.state, "draft")
        # Skipping from the email stays possible: it skips the prepared order.
        response = self._post(self.standing, "skip", {"access_token": token})
        self.assertIn("skipped", self._flash(response))
        self.assertEqual(self.order.state, "cancel")
        self.assertEqual(self.order.autosales_preview_state, "skipped")

    def test_confirm_sent_twice_confirms_once(self):
        self.authenticate("autosales_portal", "autosales_portal")
        data = {"prepared_order_id": str(self.order.id)}
        first = self._post(self.standing, "prepared-confirm", data)
        self.assertIn("is confirmed", self._flash(first))
        second = self._post(self.standing, "prepared-confirm", data)
        self.assertIn("already confirmed", self._flash(second))
        self.assertEqual(self.standing.order_count, 1)
        self.assertEqual(self.standing.next_date, date(2099, 3, 1))

    def _check_quantities_reminder(self):
        """The salesperson's reminder to check the quantities of the next
        order (Jan 1, 2099) before the customer answers."""
        rule = self.env["autosales.reminder.rule"].create(
            {
                "name": "Check quantities",
                "trigger": "standing_order_upcoming",
                "offset_days": 2,
                "advance_days": 5,
                "assign_to": "document_salesperson",
            }
        )
        activity = rule._create_reminders(date(2098, 12, 30), records=self.standing)
        self.assertEqual(activity.user_id, self.salesman)
        return rule.log_ids

    def test_confirming_in_the_portal_closes_the_salespersons_reminder(self):
        log = self._check_quantities_reminder()
        activity = log.activity_id
        self.authenticate("autosales_portal", "autosales_portal")
        response = self._post(
            self.standing, "prepared-confirm", {"prepared_order_id": str(self.order.id)}
        )
        self.assertIn("is confirmed", self._flash(response))
        self.assertEqual(log.state, "done")
        self.assertFalse(activity.exists())
        self.assertFalse(self.customer.autosales_next_contact_date)

    def test_skipping_in_the_portal_withdraws_the_salespersons_reminder(self):
        log = self._check_quantities_reminder()
        activity = log.activity_id
        self.authenticate("autosales_portal", "autosales_portal")
        response = self._post(self.standing, "skip", {})
        self.assertIn("skipped", self._flash(response))
        self.assertEqual(self.order.autosales_preview_state, "skipped")
        self.assertEqual(log.state, "cancelled")
        self.assertFalse(activity.exists())
        self.assertFalse(self.customer.autosales_next_contact_date)

    def test_bad_quantity_shows_a_message_and_changes_nothing(self):
        self.authenticate("autosales_portal", "autosales_portal")
        line = self.order.order_line
        for value in ("abc", "-3", "0", "1e400"):
            response = self._post(
                self.standing, "prepared", {f"quantity_{line.id}": value}
            )
            self.assertTrue(self._flash(response), value)
            self.assertEqual(line.product_uom_qty, 1000, value)
