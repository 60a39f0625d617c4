from odoo.fields import Command
from odoo.tests import tagged

from .common import AutosalesCommon


@tagged("post_install", "-at_install")
class TestKeyContacts(AutosalesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.buyer = cls.env.ref("autosales_addon.contact_role_buyer")
        cls.payable = cls.env.ref("autosales_addon.contact_role_accounts_payable")
        cls.customer_contact.write(
            {
                "autosales_role_ids": [Command.set(cls.buyer.ids)],
                "autosales_is_primary_contact": True,
            }
        )
        cls.accountant = cls.env["res.partner"].create(
            {
                "name": "Abe Accountant",
                "parent_id": cls.customer.id,
                "autosales_role_ids": [Command.set(cls.payable.ids)],
            }
        )
        cls.no_role = cls.env["res.partner"].create(
            {"name": "Nora Norole", "parent_id": cls.customer.id}
        )

    def test_key_contacts_are_the_contacts_with_a_role_primary_first(self):
        self.assertEqual(
            self.customer.autosales_key_contact_ids.ids,
            [self.customer_contact.id, self.accountant.id],
        )
        self.assertEqual(
            self.customer.autosales_primary_contact_id, self.customer_contact
        )
        self.assertIn(self.no_role, self.customer.autosales_contact_ids)

    def test_a_company_has_one_primary_contact(self):
        self.accountant.autosales_is_primary_contact = True
        self.assertFalse(self.customer_contact.autosales_is_primary_contact)
        self.assertEqual(self.customer.autosales_primary_contact_id, self.accountant)
        # another company keeps its own primary contact
        other = self.env["res.partner"].create(
            {
                "name": "Dina Dimlight",
                "parent_id": self.other_customer.id,
                "autosales_is_primary_contact": True,
            }
        )
        self.assertTrue(self.accountant.autosales_is_primary_contact)
        self.assertEqual(self.other_customer.autosales_primary_contact_id, other)

    def test_standing_and_sale_orders_show_the_key_contacts(self):
        standing = self._create_standing_order(partner_id=self.no_role.id)
        order = self.SaleOrder.create({"partner_id": self.accountant.id})
        for document in (standing, order):
            self.assertEqual(
                document.autosales_primary_contact_id, self.customer_contact
            )
            self.assertEqual(
                document.autosales_key_contact_ids,
                self.customer_contact | self.accountant,
            )
