from datetime import datetime, timedelta

from odoo import fields
from odoo.fields import Command
from odoo.tests import tagged

from .common import AutosalesCrmCommon

INCOMING_EMAIL = """From: Bea Buyer <bea@brightlight.example.com>
To: sales@example.com
Subject: Re: {subject}
Message-ID: <autosales-incoming-{ref}@brightlight.example.com>
Date: Tue, 02 Mar 2027 10:00:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"

Please deliver on Friday morning.
"""


@tagged("post_install", "-at_install")
class TestInteractionLogging(AutosalesCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order = cls.SaleOrder.create(
            {
                "partner_id": cls.customer.id,
                "user_id": cls.salesman.id,
                "order_line": [
                    Command.create({"product_id": cls.socket.id, "product_uom_qty": 3})
                ],
            }
        )

    def _interactions(self, **domain):
        return self.Interaction.search(
            [("partner_id", "=", self.customer.id)]
            + [(key, "=", value) for key, value in domain.items()]
        )

    # === ACTIVITIES === #

    def test_done_call_activity_logs_a_phone_call(self):
        activity = self.order.activity_schedule(
            "mail.mail_activity_data_call",
            summary="Ask how the sockets sell",
            user_id=self.salesman.id,
        )
        activity.with_user(self.salesman).action_feedback(feedback="Selling well")
        interaction = self._interactions()
        self.assertEqual(len(interaction), 1)
        self.assertEqual(interaction.interaction_type, "phone_call")
        self.assertEqual(interaction.sale_order_id, self.order)
        self.assertEqual(interaction.user_id, self.salesman)
        self.assertEqual(interaction.summary, "Ask how the sockets sell")
        self.assertEqual(interaction.outcome, "Selling well")
        self.assertEqual(interaction.source, "activity")
        self.assertEqual(interaction.activity_type_id, self.call_type)
        self.assertEqual(interaction.company_id, self.order.company_id)

    def test_done_visit_on_a_contact_logs_a_visit_of_its_company(self):
        activity = self.customer_contact.activity_schedule(
            activity_type_id=self.visit_type.id, user_id=self.salesman.id
        )
        activity.action_feedback()
        interaction = self._interactions()
        self.assertEqual(interaction.interaction_type, "site_visit")
        self.assertEqual(interaction.contact_id, self.customer_contact)
        # the summary of the activity type, as no other was given
        self.assertEqual(interaction.summary, "Visit the customer")

    def test_done_meeting_on_a_standing_order_logs_a_meeting(self):
        standing = self._create_standing_order()
        standing.activity_schedule(
            "mail.mail_activity_data_meeting", user_id=self.salesman.id
        ).action_feedback()
        interaction = self._interactions()
        self.assertEqual(interaction.interaction_type, "meeting")
        self.assertEqual(interaction.standing_order_id, standing)

    def test_done_to_do_activity_logs_nothing(self):
        self.order.activity_schedule(
            "mail.mail_activity_data_todo", user_id=self.salesman.id
        ).action_feedback()
        self.assertFalse(self._interactions())

    # === EMAILS === #

    def test_email_sent_to_the_customer_on_an_order_is_logged_once(self):
        message = self.order.with_user(self.salesman).message_post(
            body="Your sockets leave our warehouse tomorrow.",
            subject="Delivery of your sockets",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self.customer_contact.ids,
        )
        interaction = self._interactions()
        self.assertEqual(len(interaction), 1)
        self.assertEqual(interaction.interaction_type, "email")
        self.assertEqual(interaction.direction, "outgoing")
        self.assertEqual(interaction.source, "email")
        self.assertEqual(interaction.message_id, message)
        self.assertEqual(interaction.contact_id, self.customer_contact)
        self.assertEqual(interaction.user_id, self.salesman)
        self.assertEqual(interaction.sale_order_id, self.order)
        self.assertEqual(interaction.summary, "Delivery of your sockets")
        # the same message is never logged twice
        self.Interaction._log_from_message(
            self.order,
            message,
            {
                "message_type": "comment",
                "subtype_id": self.env.ref("mail.mt_comment").id,
            },
        )
        self.assertEqual(len(self._interactions()), 1)

    def test_email_received_from_the_customer_on_an_order_is_logged(self):
        raw = INCOMING_EMAIL.format(subject=self.order.name, ref=self.order.id)
        self.env["mail.thread"].message_process(
            "sale.order", raw, thread_id=self.order.id
        )
        interaction = self._interactions()
        self.assertEqual(len(interaction), 1)
        self.assertEqual(interaction.direction, "incoming")
        self.assertEqual(interaction.contact_id, self.customer_contact)
        self.assertEqual(interaction.user_id, self.salesman)
        self.assertEqual(interaction.sale_order_id, self.order)
        self.assertEqual(interaction.message_id.message_type, "email")
        # the same email delivered again is ignored
        self.env["mail.thread"].message_process(
            "sale.order", raw, thread_id=self.order.id
        )
        self.assertEqual(len(self._interactions()), 1)

    def test_email_to_the_customer_on_lead_partner_and_standing_order(self):
        lead = self.env["crm.lead"].create(
            {
                "name": "More lamps",
                "partner_id": self.customer.id,
                "user_id": self.salesman.id,
            }
        )
        standing = self._create_standing_order()
        for record in (lead, self.customer, standing):
            record.with_user(self.salesman).message_post(
                body="Hello",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=self.customer.ids,
            )
        interactions = self._interactions()
        self.assertEqual(len(interactions), 3)
        self.assertEqual(interactions.lead_id, lead)
        self.assertEqual(interactions.standing_order_id, standing)
        self.assertEqual(set(interactions.mapped("direction")), {"outgoing"})

    def test_notes_and_internal_discussions_are_not_interactions(self):
        order = self.order.with_user(self.salesman)
        order.message_post(body="Check stock first", subtype_xmlid="mail.mt_note")
        order.message_post(
            body="Can you check the price?",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self.manager.partner_id.ids,
        )
        self.assertFalse(self._interactions())

    def test_automatic_notifications_are_not_interactions(self):
        self._create_standing_order()
        self.StandingOrder._generate_due_orders(until=fields.Date.to_date("2027-01-01"))
        self.assertFalse(self._interactions())

    def test_automatic_emails_to_the_customer_are_not_interactions(self):
        """Sent while a salesperson works (their click prepares or generates
        an order), an automatic email to the customer is no contact."""
        standing = self._create_standing_order(user_id=self.salesman.id)
        self.company.autosales_notice_days = 3
        notified = self.StandingOrder.with_user(
            self.salesman
        )._cron_send_upcoming_notices(today=fields.Date.to_date("2026-12-29"))
        self.assertEqual(notified, standing)
        sent = standing.message_ids.filtered(
            lambda m: self.customer in m.partner_ids and m.message_type == "comment"
        )
        self.assertEqual(sent.author_id, self.salesman.partner_id)
        self.assertFalse(self._interactions())

    # === BY HAND === #

    def test_log_interaction_wizard_with_follow_up(self):
        standing = self._create_standing_order()
        action = standing.with_user(self.salesman).action_log_interaction()
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.salesman)
            .with_context(**action["context"])
            .create(
                {
                    "interaction_type": "site_visit",
                    "contact_id": self.customer_contact.id,
                    "summary": "Visited the shop",
                    "outcome": "Wants a bigger pack",
                    "followup_activity_type_id": self.call_type.id,
                    "followup_summary": "Offer the pack of 20",
                }
            )
        )
        self.assertEqual(wizard.partner_id, self.customer)
        self.assertEqual(
            wizard.followup_date, fields.Date.context_today(wizard) + timedelta(days=2)
        )
        wizard.action_log()
        interaction = self._interactions()
        self.assertEqual(interaction.standing_order_id, standing)
        self.assertEqual(interaction.source, "manual")
        self.assertEqual(interaction.user_id, self.salesman)
        followup = interaction.followup_activity_id
        self.assertEqual(followup.res_model, "sale.standing.order")
        self.assertEqual(followup.res_id, standing.id)
        self.assertEqual(followup.summary, "Offer the pack of 20")
        self.assertEqual(followup.user_id, self.salesman)

    def test_new_documents_count_no_interaction(self):
        self.Interaction.create({"partner_id": self.customer.id, "summary": "Call"})
        for model in ("sale.order", "sale.standing.order", "crm.lead"):
            record = self.env[model].new({"partner_id": self.customer.id})
            self.assertEqual(record.autosales_interaction_count, 0)
        contact = self.env["res.partner"].new({"name": "Newcomer"})
        self.assertEqual(contact.autosales_interaction_count, 0)
        self.assertEqual(
            self.customer.new(origin=self.customer).autosales_interaction_count, 1
        )

    def test_a_contact_given_as_customer_becomes_the_contact(self):
        interaction = self.Interaction.create(
            {"partner_id": self.customer_contact.id, "summary": "Quick call"}
        )
        self.assertEqual(interaction.partner_id, self.customer)
        self.assertEqual(interaction.contact_id, self.customer_contact)

    def test_customer_shows_contact_statistics(self):
        now = fields.Datetime.now()
        for interaction_type, days_ago in (
            ("phone_call", 20),
            ("phone_call", 9),
            ("site_visit", 4),
            ("email", 30),
        ):
            self.Interaction.create(
                {
                    "partner_id": self.customer.id,
                    "interaction_type": interaction_type,
                    "date": now - timedelta(days=days_ago),
                    "summary": interaction_type,
                }
            )
        for partner in (self.customer, self.customer_contact):
            partner.invalidate_recordset()
            self.assertEqual(partner.autosales_phone_call_count, 2)
            self.assertEqual(partner.autosales_site_visit_count, 1)
            self.assertEqual(partner.autosales_email_count, 1)
            self.assertEqual(partner.autosales_meeting_count, 0)
            self.assertEqual(partner.autosales_interaction_count, 4)
            self.assertEqual(partner.autosales_days_since_contact, 4)
            self.assertEqual(
                partner.autosales_last_interaction_date.replace(microsecond=0),
                (now - timedelta(days=4)).replace(microsecond=0),
            )
        self.assertIsInstance(self.customer.autosales_last_interaction_date, datetime)
