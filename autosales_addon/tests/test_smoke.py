from odoo import Command
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestSmoke(TransactionCase):
    """The add-on installs on top of the apps it extends."""

    def test_module_is_installed(self):
        module = self.env["ir.module.module"].search([("name", "=", "autosales_addon")])
        self.assertEqual(module.state, "installed")

    def test_dependencies_are_installed(self):
        names = ["sale_stock", "website_sale", "crm", "payment", "payment_demo"]
        modules = self.env["ir.module.module"].search([("name", "in", names)])
        self.assertEqual(
            {module.name: module.state for module in modules},
            dict.fromkeys(names, "installed"),
        )

    def test_confirmed_order_of_goods_creates_delivery(self):
        product = self.env["product.product"].create(
            {"name": "Light bulb", "type": "consu", "is_storable": True}
        )
        customer = self.env["res.partner"].create({"name": "Smoke Test Customer"})
        order = self.env["sale.order"].create(
            {
                "partner_id": customer.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": 1000})
                ],
            }
        )

        order.action_confirm()

        self.assertEqual(order.state, "sale")
        self.assertEqual(order.picking_ids.picking_type_code, "outgoing")
        self.assertEqual(order.picking_ids.move_ids.product_id, product)
        self.assertEqual(order.picking_ids.move_ids.product_uom_qty, 1000)
