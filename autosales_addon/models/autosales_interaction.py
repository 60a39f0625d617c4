from collections import defaultdict
from datetime import date, timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import html2plaintext, is_html_empty

INTERACTION_TYPES = [
    ("site_visit", "Site Visit"),
    ("phone_call", "Phone Call"),
    ("email", "Email"),
    ("meeting", "Meeting"),
    ("other", "Other"),
]
# Emails are logged from the messages themselves: marking an email activity
# done would log the same contact a second time.
ACTIVITY_LOGGED_TYPES = ("site_visit", "phone_call", "meeting", "other")
SUMMARY_LENGTH = 200
# Reminders whose purpose is to contact the customer: a contact at most
# CONTACT_WINDOW_DAYS before one is due, or later, answers it.
CONTACT_TRIGGERS = ("reorder_due", "no_contact")
CONTACT_WINDOW_DAYS = 7


class AutosalesInteraction(models.Model):
    _name = "autosales.interaction"
    _description = "Customer Interaction"
    _order = "date desc, id desc"
    _rec_name = "summary"
    _check_company_auto = True
    _sql_constraints = [
        (
            "message_uniq",
            "UNIQUE(message_id)",
            "This message is already logged as an interaction.",
        ),
    ]

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        compute="_compute_partner_id",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        index=True,
        ondelete="cascade",
        domain="['|', ('is_company', '=', True), ('parent_id', '=', False)]",
    )
    contact_id = fields.Many2one(
        "res.partner",
        string="Contact Person",
        index="btree_not_null",
        ondelete="set null",
        domain="[('commercial_partner_id', '=', partner_id), ('id', '!=', partner_id)]",
    )
    interaction_type = fields.Selection(
        selection=INTERACTION_TYPES,
        string="Type",
        required=True,
        default="phone_call",
        index=True,
    )
    date = fields.Datetime(
        required=True,
        default=fields.Datetime.now,
        index=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        default=lambda self: self.env.user,
        index=True,
        domain="[('share', '=', False)]",
    )
    company_id = fields.Many2one(
        "res.company",
        compute="_compute_company_id",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        index=True,
    )
    summary = fields.Char(required=True)
    outcome = fields.Text()
    lead_id = fields.Many2one(
        "crm.lead",
        string="Lead/Opportunity",
        index="btree_not_null",
        ondelete="set null",
        check_company=True,
    )
    sale_order_id = fields.Many2one(
        "sale.order",
        string="Sales Order",
        index="btree_not_null",
        ondelete="set null",
        check_company=True,
    )
    standing_order_id = fields.Many2one(
        "sale.standing.order",
        index="btree_not_null",
        ondelete="set null",
        check_company=True,
    )
    followup_activity_id = fields.Many2one(
        "mail.activity",
        string="Follow-up Activity",
        ondelete="set null",
        readonly=True,
        copy=False,
    )
    source = fields.Selection(
        selection=[
            ("manual", "Logged by hand"),
            ("activity", "Activity done"),
            ("email", "Email"),
        ],
        default="manual",
        required=True,
        readonly=True,
    )
    direction = fields.Selection(
        selection=[("outgoing", "Sent"), ("incoming", "Received")],
        readonly=True,
    )
    message_id = fields.Many2one(
        "mail.message",
        string="Email",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
        copy=False,
    )
    activity_type_id = fields.Many2one("mail.activity.type", readonly=True)

    # === COMPUTE METHODS === #

    @api.depends("contact_id", "lead_id", "sale_order_id", "standing_order_id")
    def _compute_partner_id(self):
        for interaction in self:
            source = (
                interaction.contact_id
                or interaction.standing_order_id.partner_id
                or interaction.sale_order_id.partner_id
                or interaction.lead_id.partner_id
            )
            if source:
                interaction.partner_id = source.commercial_partner_id

    @api.depends("lead_id", "sale_order_id", "standing_order_id")
    def _compute_company_id(self):
        for interaction in self:
            interaction.company_id = (
                interaction.standing_order_id.company_id
                or interaction.sale_order_id.company_id
                or interaction.lead_id.company_id
                or interaction.company_id
                or self.env.company
            )

    # === CONSTRAINT METHODS === #

    @api.constrains("partner_id", "contact_id")
    def _check_contact_partner(self):
        for interaction in self:
            contact = interaction.contact_id
            if contact and contact.commercial_partner_id != interaction.partner_id:
                raise ValidationError(
                    self.env._(
                        "%(contact)s is not a contact of %(customer)s.",
                        contact=contact.display_name,
                        customer=interaction.partner_id.display_name,
                    )
                )

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._normalize_partner_values(vals)
        interactions = super().create(vals_list)
        interactions._close_answered_reminders()
        interactions._refresh_next_contact_dates()
        self.env["autosales.attention"]._forget_contacted(interactions)
        return interactions

    def write(self, vals):
        self._normalize_partner_values(vals)
        before = self.partner_id, self.company_id
        res = super().write(vals)
        if {
            "date",
            "partner_id",
            "contact_id",
            "company_id",
            "lead_id",
            "sale_order_id",
            "standing_order_id",
        } & vals.keys():
            (before[0] | self.partner_id)._autosales_refresh_next_contact_dates(
                before[1] | self.company_id
            )
        return res

    def unlink(self):
        partners, companies = self.partner_id, self.company_id
        res = super().unlink()
        partners._autosales_refresh_next_contact_dates(companies)
        return res

    def _refresh_next_contact_dates(self):
        """A contact answers the customer's predicted reorder in its company."""
        self.partner_id._autosales_refresh_next_contact_dates(self.company_id)

    @api.model
    def _normalize_partner_values(self, vals):
        """Keep the commercial partner as customer: a contact person given as
        customer becomes the contact of its company."""
        if not vals.get("partner_id"):
            return
        partner = self.env["res.partner"].browse(vals["partner_id"])
        if partner.commercial_partner_id != partner:
            vals["partner_id"] = partner.commercial_partner_id.id
            vals.setdefault("contact_id", partner.id)

    # === ACTION METHODS === #

    def action_open_document(self):
        """Open the document this interaction is about (or the customer)."""
        self.ensure_one()
        record = (
            self.standing_order_id
            or self.sale_order_id
            or self.lead_id
            or self.partner_id
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    # === BUSINESS METHODS === #

    def _close_answered_reminders(self):
        """The customers just contacted need no reminder to contact them: their
        open "reorder due" and "no contact" reminders due in the next days, or
        already due, are done."""
        reminders = (
            self.env["autosales.reminder.log"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", self.partner_id.ids),
                    ("state", "=", "open"),
                    ("trigger", "in", CONTACT_TRIGGERS),
                    ("activity_id", "!=", False),
                ]
            )
        )
        last_contact = defaultdict(lambda: date.min)
        for interaction in self:
            last_contact[interaction.partner_id] = max(
                last_contact[interaction.partner_id],
                fields.Date.context_today(self, interaction.date),
            )
        answered = reminders.filtered(
            lambda log: log.activity_id.date_deadline
            - timedelta(days=CONTACT_WINDOW_DAYS)
            <= last_contact[log.partner_id]
        )
        if answered:
            answered.activity_id.with_context(
                autosales_skip_interaction_log=True
            ).action_feedback(feedback=self.env._("The customer was contacted."))

    @api.model
    def _log_from_message(self, record, message, msg_values):
        """Log ``message``, just posted on ``record``, when it is an email
        exchanged with the customer of ``record``.

        Sent: an internal user wrote a discussion message (not a note) that
        reaches a contact of the customer, as recipient or follower.
        Received: a contact of the customer wrote it (incoming email, portal).

        :return: the new interaction, or an empty recordset
        """
        Interaction = self.browse()
        if msg_values.get("message_type") not in ("email", "comment"):
            return Interaction
        comment = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment")
        if msg_values.get("subtype_id") != comment:
            return Interaction
        message = message.with_env(self.env)
        customer = record._autosales_get_customer()
        author = message.author_id
        if (
            not customer
            or not author
            or author == self.env.ref("base.partner_root")
            # messages on the records of our own companies are no customer's
            or customer.sudo().ref_company_ids
        ):
            return Interaction
        if author.commercial_partner_id == customer:
            direction, contact = "incoming", author
            user = record._autosales_get_salesperson()
        else:
            users = author.user_ids.filtered(lambda u: not u.share)
            if not users:
                return Interaction
            followers = record.message_follower_ids.filtered(
                lambda f: comment in f.subtype_ids.ids
            ).partner_id
            reached = (message.partner_ids | followers).filtered(
                lambda p: p.commercial_partner_id == customer
            )
            if not reached:
                return Interaction
            direction = "outgoing"
            contact = (reached - customer)[:1] or reached[:1]
            user = users[:1]
        if self.search_count([("message_id", "=", message.id)], limit=1):
            return Interaction
        summary = message.subject or message.preview or record.display_name
        return self.create(
            {
                "partner_id": customer.id,
                "contact_id": contact.id if contact != customer else False,
                "interaction_type": "email",
                "date": message.date or fields.Datetime.now(),
                "user_id": user.id,
                "summary": self._shorten(summary),
                "source": "email",
                "direction": direction,
                "message_id": message.id,
                "company_id": record._autosales_get_company().id,
                **record._autosales_interaction_document_values(),
            }
        )

    @api.model
    def _prepare_values_from_activities(self, activities, feedback=False):
        """Values of the interactions logged by marking ``activities`` done.

        Only activities whose type is a customer interaction (call, meeting,
        site visit) and whose document has a customer are logged.
        """
        per_model = defaultdict(lambda: self.env["mail.activity"])
        for activity in activities:
            interaction_type = activity.activity_type_id.autosales_interaction_type
            if (
                interaction_type in ACTIVITY_LOGGED_TYPES
                and activity.res_model in self.env
                and hasattr(self.env[activity.res_model], "_autosales_get_customer")
            ):
                per_model[activity.res_model] |= activity
        vals_list = []
        outcome = html2plaintext(feedback) if feedback else False
        now = fields.Datetime.now()
        for model, model_activities in per_model.items():
            records = self.env[model].sudo().browse(model_activities.mapped("res_id"))
            existing = records.exists()
            for activity in model_activities:
                record = existing.browse(activity.res_id)
                if record not in existing:
                    continue
                customer = record._autosales_get_customer()
                if not customer:
                    continue
                activity_type = activity.activity_type_id
                contact = record._autosales_get_contact()
                note = (
                    html2plaintext(activity.note)
                    if not is_html_empty(activity.note)
                    else False
                )
                vals_list.append(
                    {
                        "partner_id": customer.id,
                        "contact_id": contact.id,
                        "interaction_type": activity_type.autosales_interaction_type,
                        "date": now,
                        "user_id": (activity.user_id or self.env.user).id,
                        "summary": self._shorten(
                            activity.summary
                            or f"{activity_type.name}: {record.display_name}"
                        ),
                        "outcome": outcome or note,
                        "source": "activity",
                        "activity_type_id": activity_type.id,
                        "company_id": record._autosales_get_company().id,
                        **record._autosales_interaction_document_values(),
                    }
                )
        return vals_list

    @api.model
    def _shorten(self, text):
        text = " ".join((text or "").split())
        if len(text) > SUMMARY_LENGTH:
            text = text[: SUMMARY_LENGTH - 1] + "…"
        return text or "-"

    @api.model
    def _get_last_interaction_dates(self, partners, companies=None):
        """Date of the last interaction with each of ``partners`` (commercial
        partners), as {partner: datetime}.

        The interactions counted are those this environment may read (all
        users' when it is superuser), in ``companies`` when given (those
        without a company count for every company).
        """
        if not partners:
            return {}
        domain = [("partner_id", "in", partners.ids)]
        if companies is not None:
            domain.append(("company_id", "in", [False, *companies.ids]))
        return dict(self._read_group(domain, ["partner_id"], ["date:max"]))
