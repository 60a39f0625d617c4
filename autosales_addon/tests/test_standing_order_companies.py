from datetime import date, datetime

from freezegun import freeze_time

from odoo.fields import Command
from odoo.tests import tagged

from .common import AutosalesCommon


@tagged("post_install", "-at_install")
class TestStandingOrderCompanies(AutosalesCommon):
    """Each standing order runs on its company's day, in its company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.auckland = cls.company
        cls.auckland.resource_calendar_id.tz = "Pacific/Auckland"
        cls.los_angeles = cls.env["res.company"].create(
            {
                "name": "AutoSales Los Angeles",
                "currency_id": cls.company.currency_id.id,
                "country_id": cls.env.ref("base.us").id,
            }
        )
        cls.los_angeles.resource_calendar_id.tz = "America/Los_Angeles"
        cls.tax_auckland = cls.env["account.tax"].create(
            {"name": "Auckland GST", "amount": 15, "company_id": cls.auckland.id}
        )
        cls.tax_los_angeles = cls.env["account.tax"].create(
            {
                "name": "LA Sales Tax",
                "amount": 9.5,
                "company_id": cls.los_angeles.id,
                "tax_group_id": cls.env["account.tax.group"]
                .create({"name": "LA Taxes", "company_id": cls.los_angeles.id})
                .id,
            }
        )
        cls.bulb.taxes_id = cls.tax_auckland | cls.tax_los_angeles
        cls.env["stock.quant"]._update_available_quantity(
            cls.bulb,
            cls.env["stock.warehouse"]
            .search([("company_id", "=", cls.los_angeles.id)], limit=1)
            .lot_stock_id,
            100000,
        )
        cls.standing_auckland = cls._create_standing_order(interval_number=1)
        cls.standing_los_angeles = cls._create_standing_order(
            interval_number=1, company_id=cls.los_angeles.id, user_id=False
        )

    def _generated(self, standing):
        return self.SaleOrder.search([("standing_order_id", "=", standing.id)])

    def test_each_standing_order_is_due_on_its_companys_day(self):
        # Auckland is already on January 1st; Los Angeles still on December 31st.
        with freeze_time("2026-12-31 12:00:00"):
            self.assertEqual(self.standing_auckland._get_today(), date(2027, 1, 1))
            self.assertEqual(self.standing_los_angeles._get_today(), date(2026, 12, 31))
            self.StandingOrder._cron_generate_orders()
        self.assertEqual(
            self._generated(self.standing_auckland).standing_order_date,
            date(2027, 1, 1),
        )
        self.assertFalse(self._generated(self.standing_los_angeles))
        # A day later in Los Angeles too.
        with freeze_time("2027-01-01 09:00:00"):
            self.StandingOrder._cron_generate_orders()
        self.assertEqual(len(self._generated(self.standing_auckland)), 1)
        self.assertEqual(
            self._generated(self.standing_los_angeles).standing_order_date,
            date(2027, 1, 1),
        )

    def test_orders_are_made_in_their_company(self):
        with freeze_time("2027-01-01 12:00:00"):
            orders = self.StandingOrder._generate_due_orders()
        self.assertEqual(len(orders), 2)
        for standing, tax in (
            (self.standing_auckland, self.tax_auckland),
            (self.standing_los_angeles, self.tax_los_angeles),
        ):
            order = self._generated(standing)
            company = standing.company_id
            self.assertEqual(order.company_id, company)
            self.assertEqual(order.state, "sale")
            self.assertEqual(order.order_line.tax_id, tax)
            self.assertEqual(order.warehouse_id.company_id, company)
            self.assertEqual(order.picking_ids.company_id, company)

    def test_retries_and_notices_follow_the_companys_day(self):
        self.auckland.autosales_notice_days = 1
        self.los_angeles.autosales_notice_days = 1
        # December 31st in Auckland, December 30th in Los Angeles: only the
        # Auckland customer is told its order of January 1st is coming.
        with freeze_time("2026-12-30 12:00:00"):
            notified = self.StandingOrder._cron_send_upcoming_notices()
        self.assertEqual(notified, self.standing_auckland)
        with freeze_time("2026-12-31 12:00:00"):
            notified = self.StandingOrder._cron_send_upcoming_notices()
        self.assertEqual(notified, self.standing_los_angeles)

    def test_exception_date_is_the_companys_day(self):
        with freeze_time("2026-12-31 12:00:00"):
            (self.standing_auckland | self.standing_los_angeles)._set_exception(
                "Checked by hand."
            )
        self.assertEqual(self.standing_auckland.exception_date, date(2027, 1, 1))
        self.assertEqual(self.standing_los_angeles.exception_date, date(2026, 12, 31))

    def test_a_user_of_one_company_sees_only_its_standing_orders(self):
        user = self.env["res.users"].create(
            {
                "name": "Auckland Manager",
                "login": "autosales_auckland",
                "company_id": self.auckland.id,
                "company_ids": [Command.set(self.auckland.ids)],
                "groups_id": [
                    Command.set(self.env.ref("sales_team.group_sale_manager").ids)
                ],
            }
        )
        visible = self.StandingOrder.with_user(user).search(
            [("id", "in", (self.standing_auckland | self.standing_los_angeles).ids)]
        )
        self.assertEqual(visible, self.standing_auckland)

    def test_reminders_belong_to_the_company_of_their_document(self):
        rule = self.env["autosales.reminder.rule"].create(
            {
                "name": "Exceptions",
                "trigger": "standing_order_exception",
                "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
                "assign_to": "fixed_user",
                "user_id": self.manager.id,
            }
        )
        (self.standing_auckland | self.standing_los_angeles)._set_exception(
            "Checked by hand."
        )
        logs = self.env["autosales.reminder.log"].search([("rule_id", "=", rule.id)])
        self.assertEqual(
            set(logs.mapped("company_id")), {self.auckland, self.los_angeles}
        )
        self.manager.write(
            {
                "company_ids": [Command.set(self.auckland.ids)],
                "company_id": self.auckland.id,
            }
        )
        self.env.invalidate_all()
        visible = (
            self.env["autosales.reminder.log"]
            .with_user(self.manager)
            .search([("rule_id", "=", rule.id)])
        )
        self.assertEqual(visible.company_id, self.auckland)

    def test_reminders_are_due_on_the_companys_day(self):
        self.env["autosales.reminder.rule"].search([]).active = False
        rule = self.env["autosales.reminder.rule"].create(
            {
                "name": "The day before",
                "trigger": "standing_order_upcoming",
                "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
                "advance_days": 1,
                "assign_to": "fixed_user",
                "user_id": self.manager.id,
            }
        )
        logs = self.env["autosales.reminder.log"]
        # December 31st in Auckland, December 30th in Los Angeles: only the
        # Auckland standing order is one day from its order of January 1st.
        with freeze_time("2026-12-30 12:00:00"):
            self.env["autosales.reminder.rule"]._cron_create_reminders()
        reminded = logs.search([("rule_id", "=", rule.id)])
        self.assertEqual(reminded.res_id, self.standing_auckland.id)
        with freeze_time("2026-12-31 12:00:00"):
            self.env["autosales.reminder.rule"]._cron_create_reminders()
        reminded = logs.search([("rule_id", "=", rule.id)])
        self.assertEqual(
            set(reminded.mapped("res_id")),
            {self.standing_auckland.id, self.standing_los_angeles.id},
        )
        self.assertEqual(len(reminded), 2, "each reminded of once")

    def test_a_user_of_one_company_sees_only_its_forecast_and_interactions(self):
        user = self.env["res.users"].create(
            {
                "name": "Auckland Manager",
                "login": "autosales_auckland_forecast",
                "company_id": self.auckland.id,
                "company_ids": [Command.set(self.auckland.ids)],
                "groups_id": [
                    Command.set(self.env.ref("sales_team.group_sale_manager").ids)
                ],
            }
        )
        forecast = self.env["sale.standing.order.forecast"].with_user(user)
        rows = forecast.search(
            [
                (
                    "standing_order_id",
                    "in",
                    (self.standing_auckland | self.standing_los_angeles).ids,
                )
            ]
        )
        self.assertTrue(rows)
        self.assertEqual(rows.standing_order_id, self.standing_auckland)
        Interaction = self.env["autosales.interaction"]
        Interaction.create(
            [
                {
                    "partner_id": self.customer.id,
                    "interaction_type": "phone_call",
                    "summary": "Auckland call",
                    "date": datetime(2027, 1, 5, 9, 0),
                    "company_id": self.auckland.id,
                },
                {
                    "partner_id": self.customer.id,
                    "interaction_type": "site_visit",
                    "summary": "Los Angeles visit",
                    "date": datetime(2027, 2, 5, 9, 0),
                    "company_id": self.los_angeles.id,
                },
            ]
        )
        visible = Interaction.with_user(user).search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(visible.mapped("summary"), ["Auckland call"])
        # the last contact is the last one in the user's company
        self.assertEqual(
            self.customer.with_user(user).autosales_last_interaction_date,
            datetime(2027, 1, 5, 9, 0),
        )
        self.assertEqual(
            self.customer.autosales_last_interaction_date, datetime(2027, 2, 5, 9, 0)
        )
