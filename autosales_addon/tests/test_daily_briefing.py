from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .common import AutosalesCrmCommon


@tagged("post_install", "-at_install")
class TestDailyBriefing(AutosalesCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Users = cls.env["res.users"]
        cls.company.autosales_no_contact_days = 0
        cls.salesman.write({"tz": "Europe/Zurich", "autosales_daily_briefing": True})
        cls.rule = cls._create_rule(
            "reorder_due", summary="Call {customer} about the spring order"
        )

    def _remind(self, deadline, user=None):
        """A reminder of the rule due on ``deadline``, as the scheduled
        action of the reminder rules creates them."""
        self.customer.user_id = user or self.salesman
        return self.rule._create_activities([(self.customer, deadline)])

    def _stop_a_standing_order(self):
        standing = self._create_standing_order()
        self.customer.on_account_allowed = False
        self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        self.assertEqual(standing.state, "exception")
        return standing

    def _send(self, now):
        with freeze_time(now):
            return self.Users._cron_autosales_send_briefings()

    def _briefings(self, user):
        return self.env["mail.mail"].search(
            [
                ("recipient_ids", "in", user.partner_id.ids),
                ("subject", "like", "Your daily briefing"),
            ]
        )

    def test_sent_once_in_the_users_morning_with_reminders_and_items(self):
        standing = self._stop_a_standing_order()
        self._remind(date(2027, 3, 8))
        self._remind(date(2027, 3, 10))
        self._remind(date(2027, 3, 20))
        # 06:30 in Zurich: too early.
        self.assertFalse(self._send("2027-03-10 05:30:00"))
        self.assertFalse(self._briefings(self.salesman))
        self.assertEqual(self._send("2027-03-10 06:30:00"), self.salesman)
        mail = self._briefings(self.salesman)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.state, "outgoing", "queued, sent by the mail queue")
        self.assertEqual(mail.subject, "Your daily briefing of 03/10/2027")
        body = mail.body_html
        self.assertIn("Call Brightlight Retail about the spring order", body)
        self.assertIn(
            f"/mail/view?model=res.partner&amp;res_id={self.customer.id}", body
        )
        self.assertIn("overdue since 03/08/2027", body)
        self.assertIn(standing.name, body)
        self.assertIn(f"model=sale.standing.order&amp;res_id={standing.id}", body)
        self.assertIn("Standing Order in Exception", body)
        self.assertIn("not approved", body)
        self.assertEqual(self.salesman.autosales_briefing_date, date(2027, 3, 10))
        self.assertEqual(
            body.count(">Call Brightlight Retail about the spring order</a>"),
            2,
            "the overdue reminder and today's, not the later one",
        )
        # Reruns the same day send nothing more.
        self.assertFalse(self._send("2027-03-10 07:30:00"))
        self.assertFalse(self._send("2027-03-10 20:00:00"))
        self.assertEqual(len(self._briefings(self.salesman)), 1)
        # The next morning, a new one.
        self.assertEqual(self._send("2027-03-11 06:05:00"), self.salesman)
        self.assertEqual(len(self._briefings(self.salesman)), 2)

    def test_fixed_items_are_not_reported(self):
        standing = self._stop_a_standing_order()
        self.customer.on_account_allowed = True
        standing.action_resume()
        self.assertFalse(self._send("2027-03-10 06:30:00"))
        self.assertFalse(self._briefings(self.salesman))

    def test_morning_in_the_users_time_zone(self):
        self.salesman.tz = "America/New_York"
        self._remind(date(2027, 3, 10))
        self.assertFalse(self._send("2027-03-10 06:30:00"), "01:30 in New York")
        self.assertEqual(self._send("2027-03-10 12:30:00"), self.salesman)
        self.assertEqual(len(self._briefings(self.salesman)), 1)

    def test_no_email_when_there_is_nothing(self):
        self._remind(date(2027, 3, 12))  # not due yet
        self.assertFalse(self._send("2027-03-10 06:30:00"))
        self.assertFalse(self._briefings(self.salesman))

    def test_none_for_users_who_did_not_ask(self):
        self.other_salesman.tz = "Europe/Zurich"
        self._remind(date(2027, 3, 10), user=self.other_salesman)
        self.assertFalse(self._send("2027-03-10 06:30:00"))
        self.assertFalse(self._briefings(self.other_salesman))

    def test_salesperson_chooses_in_their_preferences(self):
        user = self.other_salesman.with_user(self.other_salesman)
        self.assertFalse(user.autosales_daily_briefing)
        user.write({"autosales_daily_briefing": True})
        self.assertTrue(self.other_salesman.autosales_daily_briefing)
        self.other_salesman.tz = "Europe/Zurich"
        self._remind(date(2027, 3, 10), user=self.other_salesman)
        self.assertEqual(self._send("2027-03-10 06:30:00"), self.other_salesman)
