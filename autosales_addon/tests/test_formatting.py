from datetime import date

from odoo.tests import tagged

from .common import AutosalesCommon


@tagged("post_install", "-at_install")
class TestFormatting(AutosalesCommon):
    """Numbers in messages and emails as the reader writes them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("de_DE")
        cls.Line = cls.env["sale.standing.order.line"]

    def test_quantities_without_trailing_zeros_in_the_users_language(self):
        self.assertEqual(self.Line._format_quantity(1000.0), "1,000")
        self.assertEqual(self.Line._format_quantity(2.5), "2.5")
        self.assertEqual(self.Line._format_quantity(20.0), "20")
        german = self.Line.with_context(lang="de_DE")
        self.assertEqual(german._format_quantity(1000.0), "1.000")
        self.assertEqual(german._format_quantity(2.5), "2,5")

    def test_kanban_cards_and_columns(self):
        """Cards say "Every month" (not "1 Months"); columns follow the
        lifecycle, not the alphabet."""
        arch = self.StandingOrder.get_views([(False, "kanban")])["views"]["kanban"][
            "arch"
        ]
        self.assertIn('name="interval_label"', arch)
        self.assertNotIn('name="interval_type"', arch)
        standing = self._create_standing_order(interval_number=1, interval_type="month")
        self.assertEqual(standing.interval_label, "Every month")
        groups = self.StandingOrder.web_read_group([], ["state"], ["state"])["groups"]
        self.assertEqual(
            [group["state"] for group in groups],
            ["draft", "active", "paused", "exception", "done", "cancelled"],
        )

    def test_quantity_change_note(self):
        standing = self._create_standing_order()
        standing.line_ids.product_uom_qty = 1500
        body = standing.message_ids[0].body
        self.assertIn("from 1,000 to 1,500", body)
        self.assertNotIn("1000.0", body)

    def test_credit_limit_message_shows_amounts_with_currency(self):
        self.company.account_use_credit_limit = True
        self.customer.credit_limit = 20000
        self._create_standing_order(
            line_ids=[
                (0, 0, {"product_id": self.bulb.id, "product_uom_qty": 9000}),
            ]
        )
        self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        standing = self.StandingOrder.search([("partner_id", "=", self.customer.id)])
        symbol = self.company.currency_id.symbol
        self.assertIn(f"{symbol}", standing.exception_reason)
        self.assertIn("20,000.00", standing.exception_reason)
        self.assertNotIn("20000.0", standing.exception_reason)
