from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo.fields import Command
from odoo.tests import tagged

from .common import AutosalesCrmCommon

TODAY = date(2027, 4, 10)


@tagged("post_install", "-at_install")
class TestReorderPrediction(AutosalesCrmCommon):
    def _predict(self, partner=None):
        partner = partner or self.customer
        predictions = self.env["res.partner"]._autosales_predict_reorder_dates(
            TODAY, partners=partner
        )
        return predictions.get(partner)

    def _order_on(self, *days, partner=None):
        for day in days:
            self._create_confirmed_order(day, partner=partner)

    def test_median_interval_of_the_last_orders_predicts_the_next_order(self):
        # intervals 20, 30 and 32 days: the median is 30
        self._order_on(
            date(2027, 1, 1), date(2027, 1, 21), date(2027, 2, 20), date(2027, 3, 24)
        )
        self.assertEqual(self._predict(), (date(2027, 4, 23), 30))

    def test_three_orders_are_needed(self):
        self._order_on(date(2027, 2, 1), date(2027, 3, 1))
        self.assertIsNone(self._predict())
        self._order_on(date(2027, 3, 29))
        self.assertEqual(self._predict(), (date(2027, 4, 26), 28))

    def test_only_the_last_orders_count(self):
        # three orders 100 days apart, then six orders 10 days apart
        first = date(2026, 3, 1)
        days = [first + timedelta(days=100 * i) for i in range(3)]
        days += [days[-1] + timedelta(days=10 * i) for i in range(1, 7)]
        self._order_on(*days)
        self.assertEqual(self._predict(), (days[-1] + timedelta(days=10), 10))

    def test_orders_of_the_same_day_count_once(self):
        self._order_on(
            date(2027, 1, 1), date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1)
        )
        # intervals 31 and 28 days: median 29.5 rounds to 30 (to even)
        self.assertEqual(self._predict(), (date(2027, 3, 31), 30))

    def test_orders_of_contact_persons_count_for_their_company(self):
        self._order_on(date(2027, 1, 5), date(2027, 2, 5), partner=self.customer)
        self._order_on(date(2027, 3, 5), partner=self.customer_contact)
        self.assertEqual(self._predict(), (date(2027, 4, 4), 30))

    def test_cancelled_and_old_orders_do_not_count(self):
        self._order_on(date(2024, 1, 1), date(2027, 1, 1), date(2027, 2, 1))
        cancelled = self._create_confirmed_order(date(2027, 3, 1))
        cancelled._action_cancel()
        self.assertIsNone(self._predict())

    def test_customers_with_a_standing_order_get_no_prediction(self):
        self._order_on(date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1))
        self._create_standing_order()
        self.assertIsNone(self._predict())

    def test_daily_update_stores_and_clears_the_prediction(self):
        Partner = self.env["res.partner"]
        self._order_on(date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1))
        Partner._autosales_update_reorder_dates(TODAY)
        self.assertEqual(self.customer.autosales_reorder_date, date(2027, 3, 31))
        self.assertEqual(self.customer.autosales_order_interval, 30)
        self.assertEqual(self.customer.autosales_next_contact_date, date(2027, 3, 31))
        self.assertFalse(self.other_customer.autosales_reorder_date)

        self._create_standing_order()
        Partner._autosales_update_reorder_dates(TODAY)
        self.assertFalse(self.customer.autosales_reorder_date)
        self.assertFalse(self.customer.autosales_next_contact_date)


@tagged("post_install", "-at_install")
class TestReorderPredictionPerCompany(AutosalesCrmCommon):
    """Each company predicts a customer's reorder from its own orders, and
    plans its own next contact."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.main = cls.company
        cls.second = cls.env["res.company"].create(
            {"name": "AutoSales Second", "currency_id": cls.company.currency_id.id}
        )
        cls.main_user, cls.second_user = (
            cls.env["res.users"].create(
                {
                    "name": f"Salesperson of {company.name}",
                    "login": f"autosales_reorder_{company.id}",
                    "company_id": company.id,
                    "company_ids": [Command.set(company.ids)],
                    "groups_id": [
                        Command.set(
                            cls.env.ref("sales_team.group_sale_salesman_all_leads").ids
                        )
                    ],
                }
            )
            for company in (cls.main, cls.second)
        )
        # Monthly in the main company, every ten days in the second one.
        for day in (date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1)):
            cls._create_confirmed_order(day)
        for day in (date(2027, 3, 5), date(2027, 3, 15), date(2027, 3, 25)):
            cls._create_confirmed_order(day, company_id=cls.second.id, user_id=False)

    def _reorder(self, company):
        customer = self.customer.with_company(company)
        return (
            customer.autosales_reorder_date,
            customer.autosales_order_interval,
            customer.autosales_next_contact_date,
        )

    def test_each_company_predicts_from_its_own_orders(self):
        Partner = self.env["res.partner"]
        self.assertEqual(
            Partner._autosales_predict_reorder_dates(
                TODAY, partners=self.customer, company=self.second
            ),
            {self.customer: (date(2027, 4, 4), 10)},
        )
        Partner._autosales_update_reorder_dates(TODAY)
        main = (date(2027, 3, 31), 30, date(2027, 3, 31))
        second = (date(2027, 4, 4), 10, date(2027, 4, 4))
        self.assertEqual(self._reorder(self.main), main)
        self.assertEqual(self._reorder(self.second), second)
        # each company's salespeople see their own company's figures and list
        for user, expected in ((self.main_user, main), (self.second_user, second)):
            customer = self.customer.with_user(user)
            self.assertEqual(
                (
                    customer.autosales_reorder_date,
                    customer.autosales_order_interval,
                    customer.autosales_next_contact_date,
                ),
                expected,
            )
            self.assertEqual(
                Partner.with_user(user).search(
                    [
                        ("id", "=", self.customer.id),
                        ("autosales_next_contact_date", "=", expected[2]),
                    ]
                ),
                self.customer,
            )

        # A standing order in the second company ends its prediction only.
        self._create_standing_order(company_id=self.second.id, user_id=False)
        Partner._autosales_update_reorder_dates(TODAY)
        self.assertEqual(self._reorder(self.main), main)
        self.assertEqual(self._reorder(self.second), (False, 0, False))

    def test_a_contact_answers_the_reorder_of_its_company_only(self):
        self.env["res.partner"]._autosales_update_reorder_dates(TODAY)
        self.Interaction.create(
            {
                "partner_id": self.customer.id,
                "interaction_type": "phone_call",
                "summary": "Asked about their next order",
                "date": datetime(2027, 3, 30, 9, 0),
                "company_id": self.second.id,
            }
        )
        self.assertEqual(self._reorder(self.second), (date(2027, 4, 4), 10, False))
        self.assertEqual(self._reorder(self.main)[2], date(2027, 3, 31))

    def test_reorder_reminders_follow_each_companys_prediction(self):
        rule = self._create_rule("reorder_due", advance_days=5)
        with freeze_time("2027-03-30 12:00:00"):
            self.Rule._cron_create_reminders()
        logs = self.env["autosales.reminder.log"].search([("rule_id", "=", rule.id)])
        self.assertEqual(
            {(log.company_id, log.event_date) for log in logs},
            {(self.main, date(2027, 3, 31)), (self.second, date(2027, 4, 4))},
        )
        # The main company's next contact is its own reminder's deadline.
        self.assertEqual(self._reorder(self.main)[2], date(2027, 3, 31))
        self.assertEqual(self._reorder(self.second)[2], date(2027, 4, 4))

    def test_no_contact_counts_the_contacts_made_for_the_company(self):
        self.Interaction.create(
            {
                "partner_id": self.customer.id,
                "interaction_type": "site_visit",
                "summary": "Visit for the second company",
                "date": datetime(2027, 3, 20, 9, 0),
                "company_id": self.second.id,
            }
        )
        rule = self._create_rule("no_contact", offset_days=30)
        self.customer.create_date = datetime(2026, 1, 1)
        with freeze_time("2027-03-30 12:00:00"):
            self.Rule._cron_create_reminders()
        logs = self.env["autosales.reminder.log"].search(
            [("rule_id", "=", rule.id), ("partner_id", "=", self.customer.id)]
        )
        # Not contacted for the main company since it became a customer.
        self.assertEqual(logs.company_id, self.main)
