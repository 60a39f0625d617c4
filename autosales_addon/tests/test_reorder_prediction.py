from datetime import date, timedelta

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
