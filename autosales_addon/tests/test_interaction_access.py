from datetime import date

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import tagged

from .common import AutosalesCrmCommon


@tagged("post_install", "-at_install")
class TestInteractionAccess(AutosalesCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
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
        cls.mine = cls._create_interaction(cls.salesman, "My call")
        cls.theirs = cls._create_interaction(cls.other_salesman, "Their call")
        cls.company_b = cls.env["res.company"].create({"name": "AutoSales Company B"})
        cls.other_company = cls._create_interaction(
            cls.manager, "Call for company B", company_id=cls.company_b.id
        )

    @classmethod
    def _create_interaction(cls, user, summary, **values):
        return cls.env["autosales.interaction"].create(
            {
                "partner_id": cls.customer.id,
                "user_id": user.id,
                "summary": summary,
                **values,
            }
        )

    def _visible(self, user, companies=None):
        Interaction = self.Interaction.with_user(user)
        if companies:
            Interaction = Interaction.with_context(allowed_company_ids=companies.ids)
        return Interaction.search([("partner_id", "=", self.customer.id)])

    def test_salesman_sees_only_own_interactions(self):
        self.assertEqual(self._visible(self.salesman), self.mine)
        with self.assertRaises(AccessError):
            self.theirs.with_user(self.salesman).read(["summary"])
        with self.assertRaises(AccessError):
            self.Interaction.with_user(self.salesman).create(
                {
                    "partner_id": self.customer.id,
                    "user_id": self.other_salesman.id,
                    "summary": "On behalf of Olga",
                }
            )

    def test_salesman_manages_own_interactions(self):
        interaction = self.Interaction.with_user(self.salesman).create(
            {"partner_id": self.customer.id, "summary": "Logged by Sam"}
        )
        self.assertEqual(interaction.user_id, self.salesman)
        interaction.outcome = "Agreed on a visit"
        interaction.unlink()

    def test_all_documents_and_managers_see_every_interaction(self):
        for user in (self.all_leads, self.manager):
            self.assertEqual(self._visible(user), self.mine | self.theirs)

    def test_interactions_of_other_companies_are_invisible(self):
        self.manager.write({"company_ids": [Command.link(self.company_b.id)]})
        self.assertEqual(
            self._visible(self.manager, self.company | self.company_b),
            self.mine | self.theirs | self.other_company,
        )
        self.assertEqual(
            self._visible(self.manager, self.company_b), self.other_company
        )
        with self.assertRaises(AccessError):
            self.other_company.with_user(self.all_leads).read(["summary"])

    def test_partner_statistics_count_what_the_user_sees(self):
        customer = self.customer.with_user(self.salesman)
        self.assertEqual(customer.autosales_interaction_count, 1)
        self.assertEqual(customer.autosales_phone_call_count, 1)

    def test_only_managers_configure_reminder_rules(self):
        values = {
            "name": "Call them",
            "trigger": "no_contact",
            "offset_days": 30,
            "activity_type_id": self.call_type.id,
        }
        with self.assertRaises(AccessError):
            self.Rule.with_user(self.salesman).create(values)
        rule = self.Rule.with_user(self.manager).create(values)
        self.assertTrue(rule.with_user(self.salesman).read(["name"]))

    def test_rules_of_other_companies_are_invisible(self):
        rule = self._create_rule(
            "no_contact", company_ids=[Command.set(self.company_b.ids)]
        )
        self.assertFalse(
            self.Rule.with_user(self.manager).search([("id", "=", rule.id)])
        )

    def test_salesman_sees_own_reminders(self):
        self._create_confirmed_order(date(2027, 1, 1))
        self._create_confirmed_order(date(2027, 2, 1))
        self._create_confirmed_order(date(2027, 3, 1))
        self._create_rule("reorder_due", advance_days=10)
        activity = self.Rule._cron_create_reminders(today=date(2027, 3, 25))
        Log = self.env["autosales.reminder.log"]
        self.assertEqual(Log.with_user(self.salesman).search([]).activity_id, activity)
        self.assertFalse(Log.with_user(self.other_salesman).search([]))
        # the reminder is in the salesperson's activities
        self.assertIn(
            activity,
            self.Activity.with_user(self.salesman).search(
                [("user_id", "=", self.salesman.id)]
            ),
        )

    def test_last_interaction_counts_only_what_the_user_may_see(self):
        self.env["autosales.interaction"].search(
            [("partner_id", "=", self.customer.id)]
        ).write({"date": "2026-01-01 10:00:00"})
        self.theirs.date = "2026-06-01 10:00:00"
        self.other_company.date = "2026-07-01 10:00:00"
        self.mine.date = "2026-03-01 10:00:00"
        customer = self.customer.with_user(self.salesman)
        self.assertEqual(
            str(customer.autosales_last_interaction_date), "2026-03-01 10:00:00"
        )
        manager_view = self.customer.with_user(self.manager)
        self.assertEqual(
            str(manager_view.autosales_last_interaction_date),
            "2026-06-01 10:00:00",
            "a company B interaction does not count in company A",
        )

    def test_portal_user_reads_a_standing_order(self):
        portal = self.env["res.users"].create(
            {
                "name": "Bea Buyer",
                "login": "autosales_portal_reader",
                "partner_id": self.customer_contact.id,
                "groups_id": [Command.set(self.env.ref("base.group_portal").ids)],
            }
        )
        standing = self._create_standing_order().with_user(portal)
        failing = []
        for field in standing.fields_get(attributes=["type"]):
            if field.startswith("activity_exception"):
                continue  # Odoo's own, as on every document with activities
            standing.invalidate_recordset()
            try:
                standing.read([field])
            except AccessError:
                failing.append(field)
        self.assertEqual(failing, [], "every field the customer is shown reads")
        self.assertEqual(standing.read(["name"])[0]["name"], standing.sudo().name)
