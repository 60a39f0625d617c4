from datetime import date

from odoo.tests import HttpCase, tagged

from .common import AutosalesCommon


@tagged("post_install", "-at_install")
class TestStandingOrderBackend(AutosalesCommon, HttpCase):
    def test_salesperson_sets_up_the_light_bulb_standing_order(self):
        self.salesman.write({"password": "autosales_salesman"})
        self.start_tour(
            "/odoo/action-autosales_addon.action_sale_standing_order",
            "autosales_backend_standing_order",
            login="autosales_salesman",
        )
        standing = self.StandingOrder.search(
            [("partner_id", "=", self.customer.id)], order="id desc", limit=1
        )
        self.assertEqual(standing.state, "active")
        self.assertEqual(
            (standing.interval_number, standing.interval_type), (2, "month")
        )
        self.assertEqual(standing.line_ids.product_id, self.bulb)
        self.assertEqual(standing.line_ids.product_uom_qty, 1000)
        self.assertEqual(standing.user_id, self.salesman)
        self.assertEqual(standing.next_date, standing.start_date)
        self.assertLessEqual(standing.start_date, date.today())

    def test_needs_attention_reloads_within_sales(self):
        self.salesman.write({"password": "autosales_salesman"})
        self.start_tour(
            "/odoo/action-sale.action_quotations_with_onboarding",
            "autosales_attention_address",
            login="autosales_salesman",
        )
