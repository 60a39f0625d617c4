from datetime import timedelta

from odoo import fields
from odoo.fields import Command
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestCrmTour(HttpCase):
    """A salesperson finds a customer to contact, its key contacts and its
    interactions, and logs a new one, in a real browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["autosales.reminder.rule"].search([]).write({"active": False})
        cls.salesman = cls.env["res.users"].create(
            {
                "name": "Tour Salesman",
                "login": "autosales_tour_salesman",
                "password": "autosales_tour_salesman",
                "groups_id": [
                    Command.set(cls.env.ref("sales_team.group_sale_salesman").ids)
                ],
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Lumen Wholesale",
                "is_company": True,
                "street": "1 Market Street",
                "city": "Springfield",
                "user_id": cls.salesman.id,
                "child_ids": [
                    Command.create(
                        {
                            "name": "Lena Lumen",
                            "autosales_role_ids": [
                                Command.set(
                                    cls.env.ref(
                                        "autosales_addon.contact_role_buyer"
                                    ).ids
                                )
                            ],
                            "autosales_is_primary_contact": True,
                        }
                    )
                ],
            }
        )
        cls.env["autosales.interaction"].create(
            {
                "partner_id": cls.customer.id,
                "user_id": cls.salesman.id,
                "interaction_type": "site_visit",
                "date": fields.Datetime.now() - timedelta(days=40),
                "summary": "Showroom visit",
            }
        )
        rule = cls.env["autosales.reminder.rule"].create(
            {
                "name": "Visit after 30 days",
                "trigger": "no_contact",
                "offset_days": 30,
                "activity_type_id": cls.env.ref(
                    "autosales_addon.mail_activity_type_site_visit"
                ).id,
            }
        )
        rule._create_reminders(fields.Date.context_today(rule))

    def test_salesperson_contacts_a_customer(self):
        self.assertTrue(self.customer.autosales_next_contact_date)
        self.start_tour(
            "/odoo/action-autosales_addon.action_autosales_customers_to_contact",
            "autosales_crm_tour",
            login="autosales_tour_salesman",
        )
        self.assertTrue(
            self.env["autosales.interaction"].search(
                [
                    ("partner_id", "=", self.customer.id),
                    ("summary", "=", "Called about the spring order"),
                ]
            )
        )
