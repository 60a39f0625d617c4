from datetime import date

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import tagged

from .common import AutosalesCommon


@tagged("post_install", "-at_install")
class TestStandingOrderAccess(AutosalesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_salesman = cls.env["res.users"].create(
            {
                "name": "Olga Other",
                "login": "autosales_other_salesman",
                "groups_id": [
                    Command.set(cls.env.ref("sales_team.group_sale_salesman").ids)
                ],
            }
        )
        cls.all_leads = cls.env["res.users"].create(
            {
                "name": "Alex All",
                "login": "autosales_all_leads",
                "groups_id": [
                    Command.set(
                        cls.env.ref("sales_team.group_sale_salesman_all_leads").ids
                    )
                ],
            }
        )
        cls.portal_user = cls.env["res.users"].create(
            {
                "name": "Bea Buyer",
                "login": "autosales_portal",
                "partner_id": cls.customer_contact.id,
                "groups_id": [Command.set(cls.env.ref("base.group_portal").ids)],
            }
        )
        cls.mine = cls._create_standing_order()
        cls.theirs = cls._create_standing_order(
            partner_id=cls.other_customer.id, user_id=cls.other_salesman.id
        )

    def test_salesman_sees_only_own_standing_orders(self):
        visible = self.StandingOrder.with_user(self.salesman).search([])
        self.assertIn(self.mine, visible)
        self.assertNotIn(self.theirs, visible)
        with self.assertRaises(AccessError):
            self.theirs.with_user(self.salesman).read(["name"])

    def test_salesman_all_documents_sees_every_standing_order(self):
        visible = self.StandingOrder.with_user(self.all_leads).search([])
        self.assertIn(self.mine, visible)
        self.assertIn(self.theirs, visible)

    def test_salesman_can_manage_own_standing_order(self):
        standing = self.mine.with_user(self.salesman)
        standing.action_pause()
        standing.action_skip_next()
        self.assertEqual(self.mine.state, "paused")
        self.assertEqual(self.mine.next_date, date(2027, 3, 1))

    def test_salesman_cannot_delete_standing_orders(self):
        draft = self._create_standing_order(activate=False)
        with self.assertRaises(AccessError):
            draft.with_user(self.salesman).unlink()

    def test_portal_user_reads_only_own_company_standing_orders(self):
        visible = self.StandingOrder.with_user(self.portal_user).search([])
        self.assertEqual(visible, self.mine)
        self.assertEqual(visible.line_ids.product_id, self.bulb)
        with self.assertRaises(AccessError):
            self.theirs.with_user(self.portal_user).read(["name"])

    def test_portal_user_cannot_write(self):
        with self.assertRaises(AccessError):
            self.mine.with_user(self.portal_user).write({"interval_number": 1})
        with self.assertRaises(AccessError):
            self.mine.with_user(self.portal_user).action_pause()
        self.assertEqual(self.mine.state, "active")

    def test_other_company_standing_orders_are_invisible(self):
        company_b = self.env["res.company"].create({"name": "AutoSales Company B"})
        other = self._create_standing_order(
            activate=False, company_id=company_b.id, user_id=False, team_id=False
        )
        self.salesman.write({"company_ids": [Command.link(self.company.id)]})
        visible = self.StandingOrder.with_user(self.all_leads).search([])
        self.assertNotIn(other, visible)
        self.all_leads.write({"company_ids": [Command.link(company_b.id)]})
        visible = (
            self.StandingOrder.with_user(self.all_leads)
            .with_context(allowed_company_ids=[self.company.id, company_b.id])
            .search([])
        )
        self.assertIn(other, visible)


@tagged("post_install", "-at_install")
class TestOnAccountApproval(AutosalesCommon):
    """Only sales managers change who may order on account, by any path."""

    def _is_approved(self, partner):
        return partner.commercial_partner_id.on_account_allowed

    def test_detached_contact_of_an_approved_customer_is_not_approved(self):
        Partner = self.env["res.partner"].with_user(self.salesman)
        contact = Partner.create({"name": "Kim Buyer", "parent_id": self.customer.id})
        self.assertTrue(self._is_approved(contact), "ordering for the company")
        contact.parent_id = False
        self.assertFalse(self._is_approved(contact))
        contact.is_company = True
        self.assertFalse(self._is_approved(contact))

    def test_reparenting_a_company_does_not_approve_it(self):
        newcomer = self.env["res.partner"].create(
            {"name": "Newcomer Ltd", "is_company": True}
        )
        as_salesman = newcomer.with_user(self.salesman)
        as_salesman.parent_id = self.customer
        as_salesman.parent_id = False
        self.assertFalse(self._is_approved(newcomer))

    def test_duplicating_an_approved_customer_does_not_approve_the_copy(self):
        copy = self.customer.with_user(self.salesman).copy()
        self.assertFalse(self._is_approved(copy))

    def test_salesman_cannot_approve_by_create_or_import(self):
        Partner = self.env["res.partner"].with_user(self.salesman)
        with self.assertRaises(AccessError):
            Partner.create({"name": "Self Approved", "on_account_allowed": True})
        result = Partner.load(["name", "on_account_allowed"], [["Imported Ltd", "1"]])
        self.assertFalse(result["ids"])
        self.assertIn("sales managers", result["messages"][0]["message"])


@tagged("post_install", "-at_install")
class TestRecordMethodsCheckRights(AutosalesCommon):
    """Public methods called over RPC check rights as the buttons do."""

    def test_salesman_cannot_run_reminder_rules(self):
        rule = self.env["autosales.reminder.rule"].create(
            {
                "name": "Call before reorder",
                "trigger": "reorder_due",
                "activity_type_id": self.env.ref("mail.mail_activity_data_call").id,
            }
        )
        with self.assertRaises(AccessError):
            rule.with_user(self.salesman).action_run_now()
        result = rule.with_user(self.manager).action_run_now()
        self.assertEqual(result["params"]["type"], "success")

    def test_portal_user_cannot_drive_standing_orders(self):
        portal_user = self.env["res.users"].create(
            {
                "name": "Bea Buyer",
                "login": "autosales_portal_rpc",
                "partner_id": self.customer_contact.id,
                "groups_id": [Command.set(self.env.ref("base.group_portal").ids)],
            }
        )
        standing = self._create_standing_order()
        as_portal = standing.with_user(portal_user)
        as_portal.read(["name"])  # the customer sees it
        for method in (
            "action_generate_now",
            "action_pause",
            "action_skip_next",
            "action_cancel",
        ):
            with self.subTest(method=method), self.assertRaises(AccessError):
                getattr(as_portal, method)()
        self.assertEqual(standing.state, "active")
        self.assertFalse(standing.order_ids)
