from datetime import date, datetime, time, timedelta
from unittest.mock import patch

from odoo.fields import Command
from odoo.tests import tagged

from .common import AutosalesCrmCommon

TODAY = date(2027, 1, 10)


@tagged("post_install", "-at_install")
class TestAttention(AutosalesCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Attention = cls.env["autosales.attention"]
        # Only what the tests set up needs attention.
        cls.company.autosales_no_contact_days = 0
        cls.company.account_use_credit_limit = False

    def _sync(self, today=TODAY):
        self.Attention._sync_items(today=today)

    def _items(self, reason, user=None, **domain):
        Attention = self.Attention.with_user(user) if user else self.Attention
        return Attention.search(
            [("reason", "=", reason)]
            + [(field, "=", value.id) for field, value in domain.items()]
        )

    def _refuse_payment(self):
        self._setup_demo_payment()
        standing = self._create_standing_order(
            payment_mode="pay_now",
            payment_token_id=self._create_token(state="error").id,
        )
        order = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        return standing, order

    # === REASONS === #

    def test_standing_order_in_exception_until_resumed(self):
        standing = self._create_standing_order()
        self.customer.on_account_allowed = False
        self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        self.assertEqual(standing.state, "exception")
        self._sync()
        item = self._items("exception", standing_order_id=standing)
        self.assertEqual(len(item), 1)
        self.assertIn("not approved", item.description)
        self.assertEqual(item.since, standing.exception_date)
        self.assertEqual(item.partner_id, self.customer)
        self.assertEqual(item.user_id, self.salesman)
        action = item.action_fix()
        self.assertEqual(
            (action["res_model"], action["res_id"]), (standing._name, standing.id)
        )
        self.customer.on_account_allowed = True
        standing.action_resume()
        self._sync()
        self.assertFalse(item.exists())

    def test_refused_payment_until_paid(self):
        standing, order = self._refuse_payment()
        self._sync()
        item = self._items("payment", sale_order_id=order)
        self.assertEqual(len(item), 1)
        self.assertEqual(item.standing_order_id, standing)
        self.assertEqual(item.since, order.standing_payment_failed_date)
        self.assertIn("refused", item.description)
        retry_day = order.standing_payment_retry_date
        self.assertIn(f"{retry_day.month:02d}/{retry_day.day:02d}", item.description)
        # The salesperson fixes the card, then retries from the list.
        standing.payment_token_id = self._create_token(state="done")
        exception = self._items("exception", standing_order_id=standing)
        self.assertTrue(exception)
        notification = item.with_user(self.salesman).action_fix()
        self.assertEqual(notification["params"]["type"], "success")
        self.assertEqual(order.state, "sale")
        self.assertEqual(standing.state, "active")
        self.assertFalse(item.exists(), "gone at once")
        self.assertFalse(exception.exists())

    def test_removed_card_until_another_is_chosen(self):
        self._setup_demo_payment()
        token = self._create_token()
        standing = self._create_standing_order(
            payment_mode="pay_now", payment_token_id=token.id
        )
        paused = self._create_standing_order(
            payment_mode="pay_now", payment_token_id=token.id
        )
        paused.action_pause()
        self._sync()
        self.assertFalse(self.Attention.search([("reason", "=", "card")]))
        token.active = False
        self._sync()
        # The running one stops at once: one row, its exception's, says why.
        self.assertEqual(standing.state, "exception")
        rows = self.Attention.search([("standing_order_id", "=", standing.id)])
        self.assertEqual(rows.mapped("reason"), ["exception"])
        self.assertIn("payment method", rows.description)
        # The paused one would only find out when resumed: a card row.
        item = self._items("card", standing_order_id=paused)
        self.assertEqual(len(item), 1)
        self.assertIn("4242 was removed", item.description)
        self.assertEqual(item.since, TODAY, "first seen")
        self._sync(TODAY + timedelta(days=3))
        self.assertEqual(item.since, TODAY, "still the day it was first seen")
        paused._change_payment_token(self._create_token())
        self._sync()
        self.assertFalse(item.exists())

    def test_card_expiring_before_the_next_order(self):
        self._setup_demo_payment()
        token = self._create_token()
        standing = self._create_standing_order(
            payment_mode="pay_now", payment_token_id=token.id
        )
        token_class = type(self.env["payment.token"])
        expiry = {"date": date(2026, 12, 31)}
        with patch.object(
            token_class, "_autosales_get_expiry_date", lambda self: expiry["date"]
        ):
            self._sync()
            item = self._items("card", standing_order_id=standing)
            self.assertEqual(len(item), 1)
            self.assertIn("expires on 12/31/2026", item.description)
            expiry["date"] = date(2028, 12, 31)
            self._sync()
            self.assertFalse(item.exists())

    def test_customer_near_or_over_the_credit_limit(self):
        self.company.account_use_credit_limit = True
        self.customer.credit_limit = 100000
        standing = self._create_standing_order()  # 2,875.00 an order
        self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        self._sync()
        self.assertFalse(self._items("credit", partner_id=self.customer))
        self.customer.credit_limit = 3000
        self._sync()
        item = self._items("credit", partner_id=self.customer)
        self.assertEqual(len(item), 1)
        self.assertIn("2,875.00", item.description)
        self.assertIn("(95 %)", item.description)
        self.assertEqual(item.user_id, self.salesman)
        action = item.action_fix()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("res.partner", self.customer.id)
        )
        self.customer.credit_limit = 2500
        self._sync()
        self.assertIn("375.00 over the credit limit", item.description)
        self.customer.credit_limit = 5000
        self._sync()
        self.assertFalse(item.exists())
        self.assertEqual(standing.state, "active")

    def test_customer_past_its_reorder_date_until_contacted(self):
        for day in (date(2026, 10, 3), date(2026, 11, 2), date(2026, 12, 2)):
            self._create_confirmed_order(day)
        self.env["res.partner"]._autosales_update_reorder_dates(TODAY)
        self.assertEqual(self.customer.autosales_reorder_date, date(2027, 1, 1))
        self._sync(date(2027, 1, 1))
        self.assertFalse(self._items("reorder", partner_id=self.customer), "not yet")
        self._sync()
        item = self._items("reorder", partner_id=self.customer)
        self.assertEqual(len(item), 1)
        self.assertEqual(item.since, date(2027, 1, 1))
        self.assertIn("01/01/2027", item.description)
        action = item.action_fix()
        self.assertEqual(action["res_model"], "autosales.interaction.log.wizard")
        self.Interaction.create(
            {
                "partner_id": self.customer.id,
                "summary": "Asked about the next order",
                "date": datetime.combine(TODAY, time(9)),
            }
        )
        self._sync()
        self.assertFalse(item.exists())

    def test_customer_not_contacted_for_the_company_days(self):
        self.company.autosales_no_contact_days = 60
        self.Interaction.create(
            {
                "partner_id": self.customer.id,
                "summary": "Visit",
                "interaction_type": "site_visit",
                "date": datetime(2026, 11, 1, 10),
            }
        )
        self._sync(date(2026, 12, 30))
        self.assertFalse(self._items("no_contact", partner_id=self.customer))
        self._sync()
        item = self._items("no_contact", partner_id=self.customer)
        self.assertEqual(len(item), 1)
        self.assertEqual(item.since, date(2026, 11, 1))
        self.assertIn("No contact for 70 days", item.description)
        # A contact of another company does not count.
        company_b = self.env["res.company"].create({"name": "AutoSales Company B"})
        self.Interaction.create(
            {
                "partner_id": self.customer.id,
                "summary": "Call from the other company",
                "company_id": company_b.id,
                "date": datetime(2027, 1, 9, 10),
            }
        )
        self.assertTrue(item.exists())
        self._sync()
        self.assertTrue(item.exists())
        self.Interaction.create(
            {
                "partner_id": self.customer.id,
                "summary": "Call",
                "date": datetime(2027, 1, 9, 10),
            }
        )
        # Gone at once (the list reloads after the call is logged), and stays so.
        self.assertFalse(item.exists())
        self._sync()
        self.assertFalse(self._items("no_contact", partner_id=self.customer))

    def test_order_waiting_for_the_customer_until_confirmed(self):
        self.company.autosales_preview_days = 5
        standing = self._create_standing_order()
        order = self.StandingOrder._cron_prepare_orders(today=date(2026, 12, 27))
        self.assertEqual(order.autosales_preview_state, "waiting")
        self._sync(date(2026, 12, 28))
        item = self._items("waiting", sale_order_id=order)
        self.assertEqual(len(item), 1)
        self.assertEqual(item.standing_order_id, standing)
        self.assertIn("01/01/2027", item.description)
        action = item.action_fix()
        self.assertEqual(
            (action["res_model"], action["res_id"]), (order._name, order.id)
        )
        order.action_confirm()
        self._sync(date(2026, 12, 28))
        self.assertFalse(item.exists())

    # === ACCESS === #

    def _exceptions_for(self, *salespeople):
        standing_orders = self.StandingOrder
        for user in salespeople:
            standing_orders |= self._create_standing_order(user_id=user.id)
        self.customer.on_account_allowed = False
        self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        self.customer.on_account_allowed = True
        return standing_orders

    def test_salesman_sees_own_items_manager_all(self):
        mine, theirs = self._exceptions_for(self.salesman, self.other_salesman)
        # Opening the menu refreshes the list, for salespeople too.
        action = self.Attention.with_user(self.salesman).action_open_attention()
        self.assertEqual(action["res_model"], "autosales.attention")
        seen = self._items("exception", user=self.salesman)
        self.assertEqual(seen.standing_order_id, mine)
        self.Attention.with_user(self.manager).action_open_attention()
        seen = self._items("exception", user=self.manager)
        self.assertLessEqual(mine | theirs, seen.standing_order_id)

    def _rows_gone_stale(self):
        """Rows of both salespeople made stale: of each one's two standing
        orders in exception, one is resumed (its row goes), the other stops
        for another reason (its row changes); and each one's customer is not
        contacted for long (a row to make)."""
        standing_orders = self._exceptions_for(
            self.salesman, self.salesman, self.other_salesman, self.other_salesman
        )
        self._sync()
        rows = {
            standing: self._items("exception", standing_order_id=standing)
            for standing in standing_orders
        }
        self.assertTrue(all(rows.values()))
        mine, mine_fixed, theirs, theirs_fixed = standing_orders
        (mine_fixed | theirs_fixed).action_resume()
        (mine | theirs).exception_reason = "Stopped by hand."
        self.other_customer.user_id = self.other_salesman
        self.company.autosales_no_contact_days = 60
        for customer in self.customer | self.other_customer:
            self.Interaction.create(
                {
                    "partner_id": customer.id,
                    "summary": "Visit",
                    "date": datetime(2020, 1, 1, 10),
                }
            )
        return rows, standing_orders

    def test_salesman_menu_refreshes_only_own_rows(self):
        rows, (mine, mine_fixed, theirs, theirs_fixed) = self._rows_gone_stale()
        self.Attention.with_user(self.salesman).action_open_attention()
        self.assertFalse(rows[mine_fixed].exists())
        self.assertEqual(rows[mine].description, "Stopped by hand.")
        self.assertTrue(self._items("no_contact", partner_id=self.customer))
        # The other salesperson's rows are theirs to refresh.
        self.assertTrue(rows[theirs_fixed].exists())
        self.assertNotEqual(rows[theirs].description, "Stopped by hand.")
        self.assertFalse(self._items("no_contact", partner_id=self.other_customer))

    def test_manager_menu_refreshes_all_rows(self):
        rows, (mine, mine_fixed, theirs, theirs_fixed) = self._rows_gone_stale()
        self.Attention.with_user(self.manager).action_open_attention()
        self.assertFalse(rows[mine_fixed].exists())
        self.assertFalse(rows[theirs_fixed].exists())
        self.assertEqual(rows[mine].description, "Stopped by hand.")
        self.assertEqual(rows[theirs].description, "Stopped by hand.")
        self.assertTrue(self._items("no_contact", partner_id=self.customer))
        self.assertTrue(self._items("no_contact", partner_id=self.other_customer))

    def test_salesman_menu_takes_over_the_row_of_a_reassigned_document(self):
        standing = self._exceptions_for(self.other_salesman)
        self._sync()
        row = self._items("exception", standing_order_id=standing)
        self.assertEqual(row.user_id, self.other_salesman)
        standing.user_id = self.salesman
        self.Attention.with_user(self.salesman).action_open_attention()
        self.assertEqual(
            self._items("exception", standing_order_id=standing), row, "not a second"
        )
        self.assertEqual(row.user_id, self.salesman)

    def test_order_row_of_its_salesperson_else_its_standing_orders(self):
        self.company.autosales_preview_days = 5
        self._create_standing_order()
        order = self.StandingOrder._cron_prepare_orders(today=date(2026, 12, 27))
        order.user_id = self.other_salesman

        def sync_for(user):
            self.Attention._sync_items(
                reasons=["waiting"], today=date(2026, 12, 28), users=user
            )
            return self._items("waiting", sale_order_id=order)

        self.assertFalse(sync_for(self.salesman))
        self.assertEqual(sync_for(self.other_salesman).user_id, self.other_salesman)
        order.user_id = False
        self.assertFalse(sync_for(self.other_salesman))
        self.assertEqual(sync_for(self.salesman).user_id, self.salesman)

    def test_other_company_items_are_invisible(self):
        company_b = self.env["res.company"].create({"name": "AutoSales Company B"})
        customer_b = self.env["res.partner"].create(
            {
                "name": "Company B Customer",
                "company_id": company_b.id,
                "user_id": self.salesman.id,
            }
        )
        self.manager.write({"company_ids": [Command.link(company_b.id)]})
        self.Interaction.create(
            {
                "partner_id": customer_b.id,
                "summary": "Call",
                "company_id": company_b.id,
                "user_id": self.manager.id,
                "date": datetime(2026, 1, 1, 10),
            }
        )
        company_b.autosales_no_contact_days = 60
        self._sync()
        item = self._items("no_contact", partner_id=customer_b)
        self.assertEqual(item.company_id, company_b)
        self.assertEqual(item.user_id, self.salesman)
        # Assigned to a salesman who does not work for company B.
        self.assertNotIn(item, self.Attention.with_user(self.salesman).search([]))
        Attention = self.Attention.with_user(self.manager)
        self.assertNotIn(
            item,
            Attention.with_context(allowed_company_ids=self.company.ids).search([]),
            "not in the current company",
        )
        self.assertIn(
            item,
            Attention.with_context(
                allowed_company_ids=[self.company.id, company_b.id]
            ).search([]),
        )
