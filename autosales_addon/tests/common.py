from datetime import date, datetime, time

from odoo.fields import Command
from odoo.tests import TransactionCase


class AutosalesCommon(TransactionCase):
    """Products, customers and a demo payment provider for standing-order tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False))
        cls.company = cls.env.company
        # Standing orders already in the database (demo data) must not take
        # part in the generations these tests run.
        cls.env["sale.standing.order"].search([("state", "=", "active")]).write(
            {"state": "paused"}
        )
        cls.StandingOrder = cls.env["sale.standing.order"]
        cls.SaleOrder = cls.env["sale.order"]
        cls.salesman = cls.env["res.users"].create(
            {
                "name": "Sam Salesman",
                "login": "autosales_salesman",
                "email": "sam@example.com",
                "groups_id": [
                    Command.set(cls.env.ref("sales_team.group_sale_salesman").ids)
                ],
            }
        )
        cls.manager = cls.env["res.users"].create(
            {
                "name": "Mia Manager",
                "login": "autosales_manager",
                "email": "mia@example.com",
                "groups_id": [
                    Command.set(cls.env.ref("sales_team.group_sale_manager").ids)
                ],
            }
        )
        cls.bulb = cls.env["product.product"].create(
            {
                "name": "LED Light Bulb E27",
                "type": "consu",
                "is_storable": True,
                "list_price": 2.5,
                "sale_ok": True,
            }
        )
        cls.socket = cls.env["product.product"].create(
            {
                "name": "Lamp Socket",
                "type": "consu",
                "list_price": 4.0,
                "sale_ok": True,
            }
        )
        cls.pricelist = cls.env["product.pricelist"].create(
            {
                "name": "AutoSales Test Pricelist",
                "currency_id": cls.company.currency_id.id,
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Brightlight Retail",
                "is_company": True,
                "email": "orders@brightlight.example.com",
                "on_account_allowed": True,
                "user_id": cls.salesman.id,
                "property_product_pricelist": cls.pricelist.id,
                "street": "1 Main Street",
                "city": "Springfield",
            }
        )
        cls.customer_contact = cls.env["res.partner"].create(
            {
                "name": "Bea Buyer",
                "parent_id": cls.customer.id,
                "email": "bea@brightlight.example.com",
            }
        )
        cls.other_customer = cls.env["res.partner"].create(
            {
                "name": "Dimlight Ltd",
                "is_company": True,
                "email": "orders@dimlight.example.com",
                "on_account_allowed": True,
                "property_product_pricelist": cls.pricelist.id,
            }
        )
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.env["stock.quant"]._update_available_quantity(
            cls.bulb, warehouse.lot_stock_id, 100000
        )

    @classmethod
    def _create_standing_order(cls, activate=True, **values):
        vals = {
            "partner_id": cls.customer.id,
            "user_id": cls.salesman.id,
            "interval_number": 2,
            "interval_type": "month",
            "start_date": date(2027, 1, 1),
            "payment_mode": "on_account",
            "line_ids": [
                Command.create({"product_id": cls.bulb.id, "product_uom_qty": 1000})
            ],
        }
        vals.update(values)
        standing = cls.StandingOrder.create(vals)
        if activate:
            standing.action_activate()
        return standing

    @classmethod
    def _setup_demo_payment(cls):
        provider = (
            cls.env["payment.provider"]
            .sudo()
            .search(
                [("code", "=", "demo"), ("company_id", "=", cls.company.id)], limit=1
            )
        )
        provider.write({"state": "test", "allow_tokenization": True})
        cls.provider = provider
        cls.payment_method = provider.payment_method_ids[:1] or cls.env.ref(
            "payment.payment_method_unknown"
        )
        return provider

    @classmethod
    def _create_token(cls, partner=None, state="done"):
        return (
            cls.env["payment.token"]
            .sudo()
            .create(
                {
                    "provider_id": cls.provider.id,
                    "payment_method_id": cls.payment_method.id,
                    "payment_details": "4242",
                    "partner_id": (partner or cls.customer).id,
                    "provider_ref": f"demo-token-{state}",
                    "demo_simulated_state": state,
                }
            )
        )

    def _generate_each_day(self, start, end):
        """Run the generation once for every day from ``start`` to ``end``."""
        orders = self.SaleOrder
        day = start
        while day <= end:
            orders |= self.StandingOrder._generate_due_orders(until=day)
            day = date.fromordinal(day.toordinal() + 1)
        return orders


class AutosalesCrmCommon(AutosalesCommon):
    """Reminder rules and order history for the CRM tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Rules already in the database (demo data) must not take part.
        cls.env["autosales.reminder.rule"].search([]).write({"active": False})
        cls.Rule = cls.env["autosales.reminder.rule"]
        cls.Interaction = cls.env["autosales.interaction"]
        cls.Activity = cls.env["mail.activity"]
        cls.call_type = cls.env.ref("mail.mail_activity_data_call")
        cls.todo_type = cls.env.ref("mail.mail_activity_data_todo")
        cls.visit_type = cls.env.ref("autosales_addon.mail_activity_type_site_visit")
        cls.other_salesman = cls.env["res.users"].create(
            {
                "name": "Olga Other",
                "login": "autosales_other_salesman",
                "email": "olga@example.com",
                "groups_id": [
                    Command.set(cls.env.ref("sales_team.group_sale_salesman").ids)
                ],
            }
        )

    @classmethod
    def _create_confirmed_order(cls, order_date, partner=None, **values):
        """A confirmed order of ``partner`` dated ``order_date``."""
        order = cls.SaleOrder.create(
            {
                "partner_id": (partner or cls.customer).id,
                "user_id": cls.salesman.id,
                "order_line": [
                    Command.create({"product_id": cls.socket.id, "product_uom_qty": 5})
                ],
                **values,
            }
        )
        order.action_confirm()
        # Confirming dates the order today.
        order.date_order = datetime.combine(order_date, time(10, 0))
        return order

    @classmethod
    def _create_rule(cls, trigger, **values):
        return cls.Rule.create(
            {
                "name": f"Test rule {trigger}",
                "trigger": trigger,
                "activity_type_id": cls.call_type.id,
                **values,
            }
        )

    def _rule_activities(self, rule):
        logs = self.env["autosales.reminder.log"].search([("rule_id", "=", rule.id)])
        return logs.activity_id
