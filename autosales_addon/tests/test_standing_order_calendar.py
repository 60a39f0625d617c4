from datetime import date, datetime

from freezegun import freeze_time

from odoo.tests import tagged

from ..controllers.portal import StandingOrderPortal
from .common import AutosalesCommon

# January 2027 starts on a Friday.
FRI, SAT, SUN, MON = (date(2027, 1, day) for day in (1, 2, 3, 4))


@tagged("post_install", "-at_install")
class TestStandingOrderCalendar(AutosalesCommon):
    """Occurrences on a closed day of the company, or on another day than
    the customer's delivery days, move; the ones after them do not."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls.company.resource_calendar_id
        cls.calendar.tz = "UTC"
        # The standard schedule: Monday to Friday.
        assert set(cls.calendar.attendance_ids.mapped("dayofweek")) == set("01234")

    def _holiday(self, day, name="Public Holiday"):
        return self.env["resource.calendar.leaves"].create(
            {
                "name": name,
                "calendar_id": self.calendar.id,
                "date_from": datetime.combine(day, datetime.min.time()),
                "date_to": datetime.combine(day, datetime.max.time()).replace(
                    microsecond=0
                ),
            }
        )

    def _generated(self, standing):
        return self.SaleOrder.search(
            [("standing_order_id", "=", standing.id)], order="standing_order_date"
        )

    def _upcoming(self, standing):
        return StandingOrderPortal()._get_standing_order_upcoming_dates(standing)

    def _forecast(self, standing):
        Forecast = self.env["sale.standing.order.forecast"]
        Forecast.invalidate_model()
        with freeze_time("2026-12-01"):
            return Forecast.search([("standing_order_id", "=", standing.id)]).mapped(
                "date"
            )

    def test_weekend_moves_to_the_next_working_day_and_not_the_next_order(self):
        self.company.autosales_date_shift = "next"
        standing = self._create_standing_order(
            interval_number=1, start_date=SAT, lead_days=2
        )
        self.assertEqual(standing.next_date, MON)
        # Not generated on the weekend...
        for today in ("2027-01-02 10:00", "2027-01-03 10:00"):
            with freeze_time(today):
                self.StandingOrder._cron_generate_orders()
        self.assertFalse(self._generated(standing))
        # ... but on the Monday, as the Saturday's order.
        with freeze_time("2027-01-04 10:00"):
            self.StandingOrder._cron_generate_orders()
        order = self._generated(standing)
        self.assertEqual(order.standing_order_date, SAT)
        self.assertEqual(order.commitment_date.date(), date(2027, 1, 6))
        # The next order keeps its own date: February 2 (a Tuesday), not 4.
        self.assertEqual(standing.next_date, date(2027, 2, 2))

    def test_holiday_moves_to_the_previous_working_day(self):
        self.company.autosales_date_shift = "previous"
        self._holiday(date(2027, 3, 17), "St Patrick's Day")
        standing = self._create_standing_order(
            interval_number=1, start_date=date(2027, 2, 17)
        )
        expected = [
            date(2027, 2, 17),
            date(2027, 3, 16),  # Wednesday 17 is a holiday
            date(2027, 4, 16),  # Saturday 17 is closed
            date(2027, 5, 17),
            date(2027, 6, 17),
        ]
        self.assertEqual(self._upcoming(standing), expected)
        self.assertEqual(self._forecast(standing)[:5], expected)
        with freeze_time("2027-03-16 10:00"):
            orders = self.StandingOrder._generate_due_orders()
        self.assertEqual(
            orders.mapped("standing_order_date"), expected[:1] + [date(2027, 3, 17)]
        )
        self.assertEqual(standing.next_date, date(2027, 4, 16))

    def test_delivery_days_of_the_customer(self):
        # Without any calendar setting, the customer's days are honoured.
        self.customer.autosales_delivery_weekday_ids = self.env.ref(
            "autosales_addon.weekday_thursday"
        )
        standing = self._create_standing_order(
            interval_number=1, interval_type="week", start_date=MON
        )
        thursdays = [date(2027, 1, day) for day in (7, 14, 21, 28)]
        self.assertEqual(standing.next_date, thursdays[0])
        self.assertEqual(self._upcoming(standing)[:4], thursdays)
        self.assertEqual(self._forecast(standing)[:4], thursdays)
        with freeze_time("2027-01-07 10:00"):
            order = self.StandingOrder._generate_due_orders()
        self.assertEqual(order.standing_order_date, MON)
        self.assertEqual(standing.next_date, thursdays[1])
        # Taking deliveries any day again brings the orders back to Mondays.
        self.customer.autosales_delivery_weekday_ids = False
        self.assertEqual(standing.next_date, date(2027, 1, 11))

    def test_delivery_day_that_is_closed_moves_further(self):
        self.company.autosales_date_shift = "next"
        self._holiday(date(2027, 1, 7))
        self.customer.autosales_delivery_weekday_ids = self.env.ref(
            "autosales_addon.weekday_thursday"
        )
        standing = self._create_standing_order(
            interval_number=1, interval_type="week", start_date=MON
        )
        self.assertEqual(
            self._upcoming(standing)[:2], [date(2027, 1, 14), date(2027, 1, 21)]
        )

    def test_one_order_a_day_when_occurrences_meet(self):
        """Daily: the weekend's occurrences all move to Monday, which gets
        one order (the Saturday's)."""
        self.company.autosales_date_shift = "next"
        standing = self._create_standing_order(
            interval_number=1, interval_type="day", start_date=FRI
        )
        self.assertEqual(self._upcoming(standing)[:3], [FRI, MON, date(2027, 1, 5)])
        self.assertEqual(self._forecast(standing)[:3], [FRI, MON, date(2027, 1, 5)])
        with freeze_time("2027-01-04 10:00"):
            orders = self.StandingOrder._generate_due_orders()
        self.assertEqual(orders.mapped("standing_order_date"), [FRI, SAT])
        self.assertEqual(standing.next_date, date(2027, 1, 5))

    def test_holiday_declared_later_moves_the_next_order(self):
        self.company.autosales_date_shift = "next"
        standing = self._create_standing_order(
            interval_number=1, start_date=date(2027, 5, 5)
        )
        holiday = self._holiday(date(2027, 5, 5))
        self.assertEqual(standing.next_date, date(2027, 5, 6))
        holiday.unlink()
        self.assertEqual(standing.next_date, date(2027, 5, 5))

    def test_working_hours_changed_later_move_the_next_order(self):
        self.company.autosales_date_shift = "next"
        standing = self._create_standing_order(interval_number=1, start_date=SAT)
        self.assertEqual(standing.next_date, MON)
        # The company starts working on Saturday mornings: the order comes back.
        saturday = self.env["resource.calendar.attendance"].create(
            {
                "name": "Saturday Morning",
                "calendar_id": self.calendar.id,
                "dayofweek": "5",
                "hour_from": 8,
                "hour_to": 12,
                "day_period": "morning",
            }
        )
        self.assertEqual(standing.next_date, SAT)
        # Moved to Sunday, still open on the weekend.
        saturday.dayofweek = "6"
        self.assertEqual(standing.next_date, SUN)
        # And closed again.
        saturday.unlink()
        self.assertEqual(standing.next_date, MON)

    def test_moving_the_next_order_onto_a_closed_day(self):
        """Who moves the next order re-anchors the schedule there; a closed
        day still moves that order, not the next ones."""
        self.company.autosales_date_shift = "next"
        standing = self._create_standing_order(interval_number=1, start_date=FRI)
        with freeze_time("2027-01-01 10:00"):
            standing._change_next_date(date(2027, 1, 9))  # a Saturday
        self.assertEqual(standing.next_date, date(2027, 1, 11))
        self.assertIn("01/11/2027", standing.message_ids[0].body)
        self.assertEqual(
            self._upcoming(standing)[:2], [date(2027, 1, 11), date(2027, 2, 9)]
        )

    def test_setting_off_keeps_every_date(self):
        self._holiday(date(2027, 2, 1))
        standing = self._create_standing_order(interval_number=1, start_date=SAT)
        self.assertEqual(standing.next_date, SAT)
        self.assertEqual(self._upcoming(standing)[:2], [SAT, date(2027, 2, 2)])
        with freeze_time("2027-01-02 10:00"):
            order = self.StandingOrder._generate_due_orders()
        self.assertEqual(order.standing_order_date, SAT)
        # Turning it on moves the next order off a closed day at once.
        standing.next_date = date(2027, 2, 6)  # a Saturday
        self.company.autosales_date_shift = "next"
        self.assertEqual(standing.next_date, date(2027, 2, 8))
