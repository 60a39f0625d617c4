from ast import literal_eval
from datetime import date, datetime, time, timedelta

from lxml import etree

from odoo.fields import Command
from odoo.tests import freeze_time, tagged
from odoo.tools.safe_eval import safe_eval

from .common import AutosalesCrmCommon


@tagged("post_install", "-at_install")
class TestReminderRules(AutosalesCrmCommon):
    def _cron(self, today):
        return self.Rule._cron_create_reminders(today=today)

    def _order_every_month(self):
        """Orders on Jan 1, Jan 31 and Mar 2, 2027: next one expected Apr 1."""
        for day in (date(2027, 1, 1), date(2027, 1, 31), date(2027, 3, 2)):
            self._create_confirmed_order(day)

    def _customer_activity(self, activities):
        return activities.filtered(
            lambda a: a.res_model == "res.partner" and a.res_id == self.customer.id
        )

    def _deliver(self, order, done_on):
        picking = order.picking_ids
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        picking.date_done = done_on
        return picking

    # === TRIGGERS === #

    def test_reorder_due_reminds_the_salesperson_before_the_predicted_date(self):
        self._order_every_month()
        rule = self._create_rule(
            "reorder_due",
            offset_days=3,
            advance_days=5,
            summary="Call {customer}: next order expected {date}",
        )
        self.assertFalse(self._cron(date(2027, 3, 23)))
        activity = self._cron(date(2027, 3, 24))
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.res_model, "res.partner")
        self.assertEqual(activity.res_id, self.customer.id)
        self.assertEqual(activity.date_deadline, date(2027, 3, 29))
        self.assertEqual(activity.user_id, self.salesman)
        self.assertEqual(activity.activity_type_id, self.call_type)
        self.assertIn("Call Brightlight Retail: next order expected", activity.summary)
        self.assertEqual(self._rule_activities(rule), activity)
        self.assertEqual(self.customer.autosales_next_reminder_date, date(2027, 3, 29))
        self.assertEqual(self.customer.autosales_next_contact_date, date(2027, 3, 29))

    def test_reorder_reminder_is_withdrawn_when_the_customer_orders(self):
        self._order_every_month()
        rule = self._create_rule("reorder_due", offset_days=3, advance_days=5)
        activity = self._cron(date(2027, 3, 25))
        self.assertTrue(activity)
        log = self.env["autosales.reminder.log"].search([("rule_id", "=", rule.id)])
        self._create_confirmed_order(date(2027, 3, 26))
        self.assertFalse(self._cron(date(2027, 3, 27)))
        self.assertFalse(activity.exists())
        self.assertEqual(log.state, "cancelled")
        self.assertFalse(self.customer.autosales_next_reminder_date)

    def test_before_standing_order_occurrence(self):
        standing = self._create_standing_order()  # next order on Jan 1, 2027
        self.customer.user_id = self.other_salesman
        self._create_rule(
            "standing_order_upcoming",
            offset_days=2,
            advance_days=3,
            assign_to="document_salesperson",
        )
        self.assertFalse(self._cron(date(2026, 12, 26)))
        activity = self._cron(date(2026, 12, 27))
        self.assertEqual(activity.res_model, "sale.standing.order")
        self.assertEqual(activity.res_id, standing.id)
        self.assertEqual(activity.date_deadline, date(2026, 12, 30))
        self.assertEqual(activity.user_id, self.salesman)
        # the next occurrence is another event
        standing.action_skip_next()
        self.assertFalse(self._cron(date(2026, 12, 28)))
        activity = self._cron(date(2027, 2, 24))
        self.assertEqual(activity.date_deadline, date(2027, 2, 27))

    def test_after_delivery_follows_up_on_receipt(self):
        order = self.SaleOrder.create(
            {
                "partner_id": self.customer.id,
                "user_id": self.other_salesman.id,
                "order_line": [
                    Command.create({"product_id": self.bulb.id, "product_uom_qty": 10})
                ],
            }
        )
        order.action_confirm()
        self._deliver(order, datetime(2027, 2, 1, 9, 0))
        self._create_rule(
            "after_delivery", offset_days=2, assign_to="document_salesperson"
        )
        self.assertFalse(self._cron(date(2027, 2, 2)))
        activity = self._cron(date(2027, 2, 3))
        self.assertEqual(activity.res_model, "sale.order")
        self.assertEqual(activity.res_id, order.id)
        self.assertEqual(activity.date_deadline, date(2027, 2, 3))
        self.assertEqual(activity.user_id, self.other_salesman)

    def test_after_delivery_skips_deliveries_long_past(self):
        order = self._create_confirmed_order(date(2027, 1, 1))
        self._deliver(order, datetime(2027, 1, 2, 9, 0))
        self._create_rule("after_delivery", offset_days=2)
        self.assertFalse(self._cron(date(2027, 3, 1)))

    def test_no_contact_reminds_after_the_offset(self):
        self.Interaction.create(
            {
                "partner_id": self.customer.id,
                "interaction_type": "phone_call",
                "date": datetime(2027, 1, 10, 15, 0),
                "summary": "Talked about spring prices",
            }
        )
        self._create_rule(
            "no_contact", offset_days=30, activity_type_id=self.visit_type.id
        )
        self.assertFalse(self._customer_activity(self._cron(date(2027, 2, 8))))
        activity = self._customer_activity(self._cron(date(2027, 2, 9)))
        self.assertEqual(activity.res_model, "res.partner")
        self.assertEqual(activity.date_deadline, date(2027, 2, 9))
        self.assertEqual(activity.user_id, self.salesman)
        self.assertEqual(activity.activity_type_id, self.visit_type)

        # A contact made otherwise withdraws the reminder; the next one comes
        # 30 days after that contact.
        self.Interaction.create(
            {
                "partner_id": self.customer.id,
                "interaction_type": "email",
                "date": datetime(2027, 2, 10, 8, 0),
                "summary": "Price list sent",
            }
        )
        self.assertFalse(self._customer_activity(self._cron(date(2027, 2, 11))))
        self.assertFalse(activity.exists())
        activity = self._customer_activity(self._cron(date(2027, 3, 12)))
        self.assertEqual(activity.date_deadline, date(2027, 3, 12))

    def test_standing_order_exception_reminds_the_team_leader_at_once(self):
        team = self.env["crm.team"].create(
            {"name": "Lamps", "user_id": self.manager.id}
        )
        standing = self._create_standing_order(team_id=team.id)
        self._create_rule(
            "standing_order_exception",
            assign_to="team_leader",
            activity_type_id=self.todo_type.id,
        )
        standing._set_exception("The customer is blocked.")
        logs = self.env["autosales.reminder.log"].search(
            [("res_model", "=", "sale.standing.order"), ("res_id", "=", standing.id)]
        )
        self.assertEqual(len(logs), 1)
        activity = logs.activity_id
        self.assertEqual(activity.user_id, self.manager)
        self.assertEqual(activity.activity_type_id, self.todo_type)
        self.assertEqual(activity.date_deadline, standing.exception_date)
        self.assertEqual(standing.exception_date, standing._get_today())
        # the salesperson sees why the customer is to be contacted, though
        # the reminder is the leader's
        self.env.invalidate_all()
        customer = self.customer.with_user(self.salesman)
        self.assertEqual(customer.autosales_next_contact_date, activity.date_deadline)
        self.assertEqual(customer.autosales_next_contact_reason, activity.summary)
        # the scheduled action does not add a second one
        self.assertFalse(self._cron(standing._get_today()))
        # once the standing order runs again, the reminder is withdrawn
        standing.action_resume()
        self._cron(standing._get_today())
        self.assertFalse(activity.exists())
        self.assertEqual(logs.state, "cancelled")

    # === BEFORE A STANDING ORDER OCCURRENCE: ITS ORDER IS MADE === #

    def _check_quantities_reminder(self, **values):
        """A standing order (next order on Jan 1, 2027) whose order is
        prepared on Dec 27, 2026, the day its salesperson gets the reminder to
        check the quantities of it (due on Dec 30).

        :return: the standing order, the prepared order, the reminder log
        """
        standing = self._create_standing_order(preview_days=5, **values)
        rule = self._create_rule(
            "standing_order_upcoming",
            offset_days=2,
            advance_days=5,
            assign_to="document_salesperson",
            summary="Confirm the quantities of {document} (order on {date})",
        )
        order = self.StandingOrder._cron_prepare_orders(today=date(2026, 12, 27))
        self.assertEqual(order.autosales_preview_state, "waiting")
        activity = self._cron(date(2026, 12, 27))
        log = self.env["autosales.reminder.log"].search([("rule_id", "=", rule.id)])
        self.assertEqual(log.activity_id, activity)
        self.assertEqual(activity.user_id, self.salesman)
        self.assertEqual(self.customer.autosales_next_contact_date, date(2026, 12, 30))
        return standing, order, log

    def _assert_reminder_closed(self, log, state):
        activity = log.activity_id
        self.assertEqual(log.state, state)
        self.assertFalse(activity.exists())
        self.assertFalse(self.customer.autosales_next_contact_date)
        self.assertFalse(
            self.Interaction.search_count(
                [
                    ("partner_id", "=", self.customer.id),
                    ("interaction_type", "=", "phone_call"),
                ]
            ),
            "closing a reminder is no call with the customer",
        )

    def _placed_feedback(self, standing):
        return standing.message_ids.filtered(
            lambda message: "The order was placed." in message.body
        )

    def test_check_quantities_reminder_is_done_when_generated_now(self):
        standing, order, log = self._check_quantities_reminder()
        standing.with_user(self.salesman).action_generate_now()
        self.assertEqual(order.autosales_preview_state, "confirmed")
        self.assertEqual(standing.next_date, date(2027, 3, 1))
        self._assert_reminder_closed(log, "done")
        self.assertTrue(self._placed_feedback(standing))

    def test_check_quantities_reminder_is_done_when_placed_on_its_date(self):
        standing, order, log = self._check_quantities_reminder()
        self.assertEqual(
            self.StandingOrder._generate_due_orders(until=date(2027, 1, 1)), order
        )
        self.assertEqual(order.autosales_preview_state, "released")
        self._assert_reminder_closed(log, "done")
        self.assertTrue(self._placed_feedback(standing))

    def test_check_quantities_reminder_is_done_when_generated_without_preview(self):
        standing = self._create_standing_order()
        rule = self._create_rule(
            "standing_order_upcoming", offset_days=2, advance_days=5
        )
        self._cron(date(2026, 12, 27))
        log = self.env["autosales.reminder.log"].search([("rule_id", "=", rule.id)])
        self.assertTrue(log.activity_id)
        self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        self.assertEqual(standing.order_count, 1)
        self._assert_reminder_closed(log, "done")

    def test_check_quantities_reminder_is_done_when_the_customer_confirms(self):
        standing, order, log = self._check_quantities_reminder()
        standing._confirm_prepared_order()
        self.assertEqual(order.state, "sale")
        self._assert_reminder_closed(log, "done")

    def test_check_quantities_reminder_is_done_when_the_quotation_is_confirmed(self):
        _standing, order, log = self._check_quantities_reminder()
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.autosales_preview_state, "confirmed")
        self._assert_reminder_closed(log, "done")

    def test_check_quantities_reminder_is_withdrawn_when_the_order_is_skipped(self):
        standing, order, log = self._check_quantities_reminder()
        standing._skip_prepared_order()
        self.assertEqual(order.autosales_preview_state, "skipped")
        self._assert_reminder_closed(log, "cancelled")
        self.assertFalse(self._placed_feedback(standing))
        # Nor is a reminder of the skipped occurrence created again.
        self.assertFalse(self._cron(date(2026, 12, 28)))

    def test_check_quantities_reminder_is_withdrawn_when_paused(self):
        standing, order, log = self._check_quantities_reminder()
        standing.action_pause()
        self.assertEqual(order.state, "cancel")
        self._assert_reminder_closed(log, "cancelled")

    def test_check_quantities_reminder_comes_back_when_resumed_in_time(self):
        standing, _order, log = self._check_quantities_reminder()
        rule = log.rule_id
        standing.action_pause()
        self._assert_reminder_closed(log, "cancelled")
        with freeze_time("2026-12-28"):
            standing.action_resume()
        self.assertEqual(standing.next_date, date(2027, 1, 1))
        again = self.env["autosales.reminder.log"].search(
            [("rule_id", "=", rule.id), ("state", "=", "open")]
        )
        self.assertEqual(again.event_date, date(2027, 1, 1))
        self.assertEqual(again.activity_id.user_id, self.salesman)
        self.assertEqual(self.customer.autosales_next_contact_date, date(2026, 12, 30))

    def test_check_quantities_reminder_is_withdrawn_when_cancelled(self):
        standing, order, log = self._check_quantities_reminder()
        standing.action_cancel()
        self.assertEqual(order.state, "cancel")
        self._assert_reminder_closed(log, "cancelled")

    def test_check_quantities_reminder_follows_a_moved_next_order(self):
        standing = self._create_standing_order()
        rule = self._create_rule(
            "standing_order_upcoming", offset_days=2, advance_days=5
        )
        self._cron(date(2026, 12, 27))
        log = self.env["autosales.reminder.log"].search([("rule_id", "=", rule.id)])
        self.assertEqual(log.event_date, date(2027, 1, 1))
        standing._change_next_date(date(2027, 1, 4))
        self._cron(date(2026, 12, 28))
        self.assertEqual(log.state, "cancelled")
        self.assertFalse(log.activity_id.exists())
        moved = self.env["autosales.reminder.log"].search(
            [("rule_id", "=", rule.id), ("state", "=", "open")]
        )
        self.assertEqual(moved.event_date, date(2027, 1, 4))
        self.assertEqual(moved.activity_id.date_deadline, date(2027, 1, 2))

    def test_check_quantities_reminder_stays_while_waiting_for_the_customer(self):
        standing, order, log = self._check_quantities_reminder(preview_policy="hold")
        self.assertFalse(
            self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        )
        self.assertTrue(standing.exception_waiting)
        self.assertEqual(log.state, "open", "the customer is yet to confirm")
        self.assertTrue(log.activity_id)
        # Resumed without the customer's answer: the order is placed.
        standing.action_resume()
        self.assertEqual(order.autosales_preview_state, "released")
        self._assert_reminder_closed(log, "done")

    # === ONCE PER EVENT === #

    def _setup_every_trigger(self):
        self._order_every_month()
        self._create_standing_order(start_date=date(2027, 3, 26))
        self.Interaction.create(
            {
                "partner_id": self.other_customer.id,
                "interaction_type": "meeting",
                "date": datetime(2027, 1, 1, 9, 0),
                "summary": "Kick-off",
            }
        )
        self.other_customer.user_id = self.other_salesman
        for trigger in ("standing_order_upcoming", "no_contact"):
            self._create_rule(trigger, offset_days=2, advance_days=5)

    def test_running_the_scheduled_action_twice_creates_nothing_new(self):
        self._setup_every_trigger()
        first = self._cron(date(2027, 3, 22))
        self.assertEqual(
            set(first.mapped("res_model")), {"res.partner", "sale.standing.order"}
        )
        count = self.Activity.search_count([])
        self.assertFalse(self._cron(date(2027, 3, 22)))
        self.assertFalse(self._cron(date(2027, 3, 23)))
        self.assertEqual(self.Activity.search_count([]), count)

    def test_done_reminders_are_not_recreated(self):
        self._setup_every_trigger()
        activities = self._cron(date(2027, 3, 22))
        logs = self.env["autosales.reminder.log"].search(
            [("activity_id", "in", activities.ids)]
        )
        activities.action_feedback(feedback="Done")
        self.assertEqual(set(logs.mapped("state")), {"done"})
        self.assertFalse(self._cron(date(2027, 3, 23)))

    def test_cancelled_reminders_are_not_recreated(self):
        self._setup_every_trigger()
        activities = self._cron(date(2027, 3, 22))
        logs = self.env["autosales.reminder.log"].search(
            [("activity_id", "in", activities.ids)]
        )
        activities.unlink()
        self.assertEqual(set(logs.mapped("state")), {"cancelled"})
        self.assertFalse(self._cron(date(2027, 3, 23)))

    # === CONFIGURATION === #

    def test_manager_creates_the_due_reminders_of_a_rule_at_once(self):
        today = self.StandingOrder._get_today()
        self.Interaction.create(
            {
                "partner_id": self.customer.id,
                "date": datetime.combine(today - timedelta(days=10), time(12, 0)),
                "summary": "Last call",
            }
        )
        rule = self._create_rule("no_contact", offset_days=7)
        action = rule.with_user(self.manager).action_run_now()
        self.assertEqual(action["tag"], "display_notification")
        activity = self._customer_activity(self._rule_activities(rule))
        self.assertEqual(activity.user_id, self.salesman)
        self.assertEqual(activity.date_deadline, today - timedelta(days=3))

    def test_fixed_user_and_fallback_assignees(self):
        self._order_every_month()
        fixed = self._create_rule(
            "reorder_due",
            advance_days=10,
            assign_to="fixed_user",
            user_id=self.manager.id,
        )
        fallback = self._create_rule(
            "reorder_due",
            advance_days=10,
            assign_to="team_leader",
            user_id=self.manager.id,
        )
        unassigned = self._create_rule(
            "reorder_due", advance_days=10, assign_to="team_leader"
        )
        self._cron(date(2027, 3, 25))
        self.assertEqual(self._rule_activities(fixed).user_id, self.manager)
        # no team leader: the user of the rule, not the salesperson it is about
        self.assertEqual(self._rule_activities(fallback).user_id, self.manager)
        # nobody above: the customer's salesperson
        self.assertEqual(self._rule_activities(unassigned).user_id, self.salesman)

    def test_customer_filter_and_companies(self):
        tag = self.env["res.partner.category"].create({"name": "Key account"})
        self._order_every_month()
        tagged_only = self._create_rule(
            "reorder_due",
            advance_days=10,
            partner_domain=f"[('category_id', 'in', [{tag.id}])]",
        )
        other_company = self._create_rule(
            "reorder_due",
            advance_days=10,
            company_ids=[
                Command.create({"name": "AutoSales Company B"}),
            ],
        )
        self.customer.company_id = self.company
        self._cron(date(2027, 3, 25))
        self.assertFalse(self._rule_activities(tagged_only))
        self.assertFalse(self._rule_activities(other_company))
        self.customer.category_id = tag
        self._cron(date(2027, 3, 25))
        self.assertTrue(self._rule_activities(tagged_only))
        self.assertFalse(self._rule_activities(other_company))

    def test_customers_to_contact_are_sorted_by_next_contact(self):
        self._order_every_month()
        self._create_rule("reorder_due", offset_days=3, advance_days=5)
        self._cron(date(2027, 3, 24))
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "autosales_addon.action_autosales_customers_to_contact"
        )
        customers = (
            self.env["res.partner"]
            .with_user(self.salesman)
            .search(
                literal_eval(action["domain"]) + [("user_id", "=", self.salesman.id)],
                order="autosales_next_contact_date",
            )
        )
        self.assertEqual(customers, self.customer)
        self.assertEqual(customers.autosales_next_contact_date, date(2027, 3, 29))
        self.assertEqual(customers.autosales_reorder_date, date(2027, 4, 1))

    def _my_customers_to_contact(self, user):
        """The customers to contact ``user`` sees by default."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "autosales_addon.action_autosales_customers_to_contact"
        )
        context = literal_eval(action["context"])
        self.assertTrue(context["search_default_autosales_my_customers"])
        Partner = self.env["res.partner"].with_user(user)
        arch = Partner.get_view(
            self.env.ref(
                "autosales_addon.res_partner_view_search_autosales_to_contact"
            ).id,
            "search",
        )["arch"]
        [my_filter] = etree.fromstring(arch).xpath(
            "//filter[@name='autosales_my_customers']"
        )
        return Partner.search(
            literal_eval(action["domain"])
            + safe_eval(my_filter.get("domain"), {"uid": user.id})
        )

    def test_my_customers_to_contact_include_those_i_have_a_reminder_about(self):
        # Sam runs the standing order of Dimlight, who has no salesperson;
        # Olga is the salesperson of Brightlight and runs its standing order.
        self.customer.user_id = self.other_salesman
        self._create_standing_order(partner_id=self.other_customer.id)
        self._create_standing_order(user_id=self.other_salesman.id)
        self._create_rule(
            "standing_order_upcoming",
            offset_days=2,
            advance_days=5,
            assign_to="document_salesperson",
        )
        self._cron(date(2026, 12, 27))
        self.assertEqual(
            self.other_customer.autosales_open_reminder_ids.user_id, self.salesman
        )
        self.assertEqual(
            self._my_customers_to_contact(self.salesman), self.other_customer
        )
        self.assertEqual(
            self._my_customers_to_contact(self.other_salesman), self.customer
        )

    def test_a_logged_call_takes_the_customer_off_the_list(self):
        self._order_every_month()
        rule = self._create_rule("reorder_due", advance_days=5)
        self._cron(date(2027, 4, 1))
        reminder = self._rule_activities(rule)
        self.assertEqual(self.customer.autosales_next_contact_date, date(2027, 4, 1))
        self.assertEqual(self.customer.autosales_next_contact_reason, reminder.summary)
        # A call logged long before the due date answers nothing.
        self.Interaction.create(
            {
                "partner_id": self.customer.id,
                "interaction_type": "phone_call",
                "date": datetime(2027, 3, 1, 9, 0),
                "summary": "Catalogue sent",
            }
        )
        self.assertTrue(reminder.exists())
        self.assertEqual(self.customer.autosales_next_contact_date, date(2027, 4, 1))
        # The call of the day does: the reminder is done, without a second
        # interaction, and the customer is not due any more.
        call = (
            self.env["autosales.interaction.log.wizard"]
            .with_user(self.salesman)
            .create(
                {
                    "partner_id": self.customer.id,
                    "interaction_type": "phone_call",
                    "date": datetime(2027, 4, 1, 10, 0),
                    "summary": "Will order next week",
                }
            )
        )
        call.action_log()
        self.assertFalse(reminder.exists())
        self.assertEqual(
            self.env["autosales.reminder.log"]
            .search([("rule_id", "=", rule.id)])
            .state,
            "done",
        )
        self.assertEqual(
            self.Interaction.search_count([("partner_id", "=", self.customer.id)]), 2
        )
        self.assertFalse(self.customer.autosales_next_contact_date)
        self.assertFalse(self.customer.autosales_next_contact_reason)
        # Its next order resets the prediction, and the reminders with it.
        self._create_confirmed_order(date(2027, 4, 2))
        self.env["res.partner"]._autosales_update_reorder_dates(date(2027, 4, 2))
        self.assertEqual(self.customer.autosales_next_contact_date, date(2027, 5, 2))
