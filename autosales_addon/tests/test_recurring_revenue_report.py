from odoo.fields import Command
from odoo.tests import tagged

from .test_recurring_revenue import RecurringRevenueCommon


@tagged("post_install", "-at_install")
class TestRecurringRevenueReport(RecurringRevenueCommon):
    """The Recurring Revenue report of companies with different currencies:
    each company's movements converted into the current company's currency
    (at today's rate, as Odoo's own sales and invoice reports do), never
    added up as if they were one currency."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.home = cls.company
        cls.home_currency = cls.home.currency_id
        cls.foreign_currency = cls.env.ref("base.EUR")
        if cls.foreign_currency == cls.home_currency:
            cls.foreign_currency = cls.env.ref("base.USD")
        cls.foreign_currency.active = True
        cls.abroad = cls.env["res.company"].create(
            {"name": "AutoSales Abroad", "currency_id": cls.foreign_currency.id}
        )
        # One foreign unit is worth two home units, in either company's rates.
        cls.env["res.currency.rate"].create(
            [
                {
                    "name": "2020-01-01",
                    "currency_id": cls.foreign_currency.id,
                    "company_id": cls.home.id,
                    "rate": 0.5,
                },
                {
                    "name": "2020-01-01",
                    "currency_id": cls.home_currency.id,
                    "company_id": cls.abroad.id,
                    "rate": 2.0,
                },
            ]
        )
        (cls.salesman | cls.manager).company_ids = [Command.link(cls.abroad.id)]
        foreign_pricelist = cls.env["product.pricelist"].create(
            {
                "name": "Prices abroad",
                "currency_id": cls.foreign_currency.id,
                "company_id": cls.abroad.id,
            }
        )

        def standing_abroad(user, quantity):
            return cls._create_standing_order(
                company_id=cls.abroad.id,
                pricelist_id=foreign_pricelist.id,
                user_id=user.id,
                interval_number=1,
                line_ids=[
                    Command.create(
                        {
                            "product_id": cls.bulb.id,
                            "product_uom_qty": quantity,
                            "price_unit": 3.0,
                        }
                    )
                ],
            )

        # 1,250 a month at home; abroad 3,000 (Sam's) and 1,500 (Mia's) a
        # month in the foreign currency, 6,000 and 3,000 at home.
        cls.standing_home = cls._create_standing_order()
        cls.standing_abroad = standing_abroad(cls.salesman, 1000)
        cls.standing_abroad_manager = standing_abroad(cls.manager, 500)
        cls.standing_orders = (
            cls.standing_home | cls.standing_abroad | cls.standing_abroad_manager
        )

    def _report(self, user, companies):
        """The model of the Recurring Revenue action, as ``user`` reads it
        with ``companies`` selected (the first one current)."""
        action = self.env.ref(
            "autosales_addon.action_sale_standing_order_revenue_event"
        )
        return (
            self.env[action.res_model]
            .with_user(user)
            .with_context(allowed_company_ids=companies.ids)
        )

    def _mrr(self, user, companies, groupby=()):
        """The MRR of the test's standing orders in the report: the sum of
        their changes, per ``groupby`` if given."""
        groups = self._report(user, companies)._read_group(
            [("standing_order_id", "in", self.standing_orders.ids)],
            list(groupby),
            ["mrr_change:sum"],
        )
        if not groupby:
            return groups[0][0]
        return {group[:-1]: group[-1] for group in groups}

    def test_movements_in_their_companys_currency(self):
        self.assertEqual(self.standing_abroad.revenue_event_ids.mrr_change, 3000)
        self.assertEqual(
            self.standing_abroad.revenue_event_ids.currency_id, self.foreign_currency
        )

    def test_both_companies_add_up_in_the_current_companys_currency(self):
        both = self.home | self.abroad
        self.assertAlmostEqual(self._mrr(self.manager, both), 10250)
        by_company = self._mrr(self.manager, both, ["company_id"])
        self.assertAlmostEqual(by_company[(self.home,)], 1250)
        self.assertAlmostEqual(by_company[(self.abroad,)], 9000)
        # From the other company, the same revenue in its currency.
        self.assertAlmostEqual(self._mrr(self.manager, self.abroad | self.home), 5125)

    def test_pivot_reads_converted_amounts(self):
        """As the pivot and the graph read them, per month and movement."""
        groups = self._report(self.manager, self.home | self.abroad).read_group(
            [("standing_order_id", "in", self.standing_orders.ids)],
            ["mrr_change:sum"],
            ["event_type"],
        )
        self.assertEqual(len(groups), 1)
        self.assertEqual(groups[0]["event_type"], "new")
        self.assertAlmostEqual(groups[0]["mrr_change"], 10250)

    def test_one_company_selected_shows_its_own_amounts(self):
        self.assertAlmostEqual(self._mrr(self.manager, self.home), 1250)
        self.assertAlmostEqual(self._mrr(self.manager, self.abroad), 4500)

    def test_each_movement_in_both_currencies(self):
        Report = self._report(self.manager, self.home | self.abroad)
        row = Report.search([("standing_order_id", "=", self.standing_abroad.id)])
        self.assertEqual(len(row), 1)
        self.assertEqual(row.event_type, "new")
        self.assertEqual(row.currency_id, self.home_currency)
        self.assertAlmostEqual(row.mrr_change, 6000)
        self.assertAlmostEqual(row.mrr_after, 6000)
        self.assertEqual(row.company_currency_id, self.foreign_currency)
        self.assertEqual(row.company_mrr_change, 3000)
        self.assertEqual(row.partner_id, self.customer)
        self.assertEqual(row.user_id, self.salesman)

    def test_salesman_sees_the_revenue_of_own_standing_orders(self):
        both = self.home | self.abroad
        self.assertAlmostEqual(self._mrr(self.salesman, both), 7250)
        self.assertEqual(
            self._report(self.salesman, both)
            .search([("standing_order_id", "in", self.standing_orders.ids)])
            .standing_order_id,
            self.standing_home | self.standing_abroad,
        )
        self.assertAlmostEqual(self._mrr(self.salesman, self.abroad), 3000)

    def test_users_of_another_company_see_nothing_of_this_one(self):
        abroad_manager = self.env["res.users"].create(
            {
                "name": "Abroad Manager",
                "login": "autosales_abroad_manager",
                "company_id": self.abroad.id,
                "company_ids": [Command.set(self.abroad.ids)],
                "groups_id": [
                    Command.set(self.env.ref("sales_team.group_sale_manager").ids)
                ],
            }
        )
        self.assertEqual(
            self._report(abroad_manager, self.abroad)
            .search([("standing_order_id", "in", self.standing_orders.ids)])
            .company_id,
            self.abroad,
        )
        self.assertAlmostEqual(self._mrr(abroad_manager, self.abroad), 4500)

    def test_customer_figure_in_the_current_companys_currency(self):
        partner = self.customer.with_user(self.manager)
        both = self.home | self.abroad
        at_home = partner.with_context(allowed_company_ids=both.ids)
        self.assertAlmostEqual(at_home.autosales_monthly_amount, 10250)
        self.assertEqual(at_home.autosales_currency_id, self.home_currency)
        abroad = partner.with_context(allowed_company_ids=(self.abroad | self.home).ids)
        self.assertAlmostEqual(abroad.autosales_monthly_amount, 5125)
        self.assertEqual(abroad.autosales_currency_id, self.foreign_currency)

    def test_customer_button_opens_its_revenue_in_the_report(self):
        action = self.customer.with_user(self.manager).action_view_recurring_revenue()
        Report = self.env[action["res_model"]].with_user(self.manager)
        Report = Report.with_context(allowed_company_ids=(self.home | self.abroad).ids)
        [[total]] = Report._read_group(action["domain"], [], ["mrr_change:sum"])
        self.assertAlmostEqual(total, 10250)

    def test_forecast_amounts_in_the_current_companys_currency(self):
        """The standing order forecast adds up its estimated amounts in one
        currency too."""

        def amounts(companies):
            # each request reads the report anew (rows keep their ids)
            self.env.invalidate_all()
            rows = (
                self.env["sale.standing.order.forecast"]
                .with_user(self.manager)
                .with_context(allowed_company_ids=companies.ids)
                .search([("standing_order_id", "in", self.standing_orders.ids)])
            )
            self.assertEqual(rows.currency_id, companies[0].currency_id)
            # one line each: the amount of one order
            return {row.standing_order_id: row.amount for row in rows}

        at_home = amounts(self.home | self.abroad)
        self.assertAlmostEqual(at_home[self.standing_home], 2500)
        self.assertAlmostEqual(at_home[self.standing_abroad], 6000)
        self.assertAlmostEqual(at_home[self.standing_abroad_manager], 3000)
        abroad = amounts(self.abroad | self.home)
        self.assertAlmostEqual(abroad[self.standing_home], 1250)
        self.assertAlmostEqual(abroad[self.standing_abroad], 3000)
