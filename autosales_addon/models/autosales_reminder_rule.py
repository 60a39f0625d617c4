import logging
import re
from datetime import datetime, time, timedelta

import psycopg2.errors
from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.modules import module as odoo_module
from odoo.osv import expression
from odoo.tools import format_date, is_html_empty
from odoo.tools.safe_eval import datetime as safe_datetime
from odoo.tools.safe_eval import safe_eval

_logger = logging.getLogger(__name__)

TRIGGERS = [
    ("reorder_due", "Reorder due"),
    ("standing_order_upcoming", "Before standing order occurrence"),
    ("after_delivery", "After delivery"),
    ("no_contact", "No contact"),
    ("standing_order_exception", "Standing order exception"),
]
# The document each trigger puts its reminders on.
TRIGGER_MODEL = {
    "reorder_due": "res.partner",
    "standing_order_upcoming": "sale.standing.order",
    "after_delivery": "sale.order",
    "no_contact": "res.partner",
    "standing_order_exception": "sale.standing.order",
}
# -1: the reminder is due ``offset_days`` before the event, +1: after it.
TRIGGER_DIRECTION = {
    "reorder_due": -1,
    "standing_order_upcoming": -1,
    "after_delivery": 1,
    "no_contact": 1,
    "standing_order_exception": 1,
}
# Open reminders of these triggers are withdrawn once their event is over:
# the customer ordered, was contacted, the standing order runs again.
WITHDRAWN_TRIGGERS = (
    "reorder_due",
    "no_contact",
    "standing_order_exception",
    "standing_order_upcoming",
)
# Triggers whose events are each company's own, even for a customer shared by
# all companies: the reorder predicted from its orders, the last contact made
# for it.
COMPANY_EVENT_TRIGGERS = ("reorder_due", "no_contact")
# Events whose reminder would be due more than this many days ago are skipped
# (a rule created today does not remind of last year's deliveries); missed
# contacts and standing orders still in exception are always reminded of.
LATE_TOLERANCE_DAYS = 7
PLACEHOLDER = re.compile(r"\{(\w+)\}")


class AutosalesReminderRule(models.Model):
    _name = "autosales.reminder.rule"
    _description = "Reminder Rule"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    trigger = fields.Selection(
        selection=TRIGGERS,
        required=True,
        default="reorder_due",
        help="Reorder due: customers without a standing order, before the date "
        "their order history predicts for their next order.\n"
        "Before standing order occurrence: before the next order of active "
        "standing orders.\n"
        "After delivery: after the delivery of an order was validated.\n"
        "No contact: customers with no interaction logged for the offset.\n"
        "Standing order exception: as soon as a standing order stops.",
    )
    offset_days = fields.Integer(
        string="Offset (days)",
        help="Days between the event and the due date of the reminder: before "
        "the predicted reorder date or the standing order occurrence, after the "
        "delivery, the last contact or the exception.",
    )
    advance_days = fields.Integer(
        string="Create in Advance (days)",
        help="The reminder is created this many days before its due date, so "
        "that it shows in the planned activities beforehand.",
    )
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        required=True,
        ondelete="restrict",
        default=lambda self: self.env.ref(
            "mail.mail_activity_data_call", raise_if_not_found=False
        ),
        domain="[('res_model', 'in', (False, res_model))]",
    )
    res_model = fields.Char(
        string="Document Model", compute="_compute_res_model", store=True
    )
    summary = fields.Char(
        translate=True,
        help="Placeholders: {customer}, {document}, {date} (event date), "
        "{deadline} (due date).",
    )
    note = fields.Html(
        translate=True,
        help="Placeholders: {customer}, {document}, {date} (event date), "
        "{deadline} (due date).",
    )
    assign_to = fields.Selection(
        selection=[
            ("customer_salesperson", "Customer's salesperson"),
            ("document_salesperson", "Salesperson of the document"),
            ("team_leader", "Sales team leader"),
            ("fixed_user", "A fixed user"),
        ],
        required=True,
        default="customer_salesperson",
        help="When nobody is found, the reminder goes to the customer's "
        "salesperson, else the document's, else the user of the rule; for a team "
        "without a leader, to the user of the rule first.",
    )
    user_id = fields.Many2one(
        "res.users",
        domain="[('share', '=', False)]",
        help="Assigned user for 'A fixed user'; fallback for the other choices "
        "(the first one for a team without a leader).",
    )
    company_ids = fields.Many2many(
        "res.company",
        string="Companies",
        help="Only documents of these companies (all companies when empty).",
    )
    partner_domain = fields.Char(
        string="Customers",
        default="[]",
        help="Only customers matching this filter.",
    )
    log_ids = fields.One2many("autosales.reminder.log", "rule_id", string="Reminders")
    reminder_count = fields.Integer(compute="_compute_reminder_count")

    # === COMPUTE METHODS === #

    @api.depends("trigger")
    def _compute_res_model(self):
        for rule in self:
            rule.res_model = TRIGGER_MODEL.get(rule.trigger)

    def _compute_reminder_count(self):
        counts = dict(
            self.env["autosales.reminder.log"]._read_group(
                [("rule_id", "in", self.ids)], ["rule_id"], ["__count"]
            )
        )
        for rule in self:
            rule.reminder_count = counts.get(rule._origin, 0)

    # === CONSTRAINT METHODS === #

    @api.constrains("offset_days", "advance_days")
    def _check_days(self):
        for rule in self:
            if rule.offset_days < 0 or rule.advance_days < 0:
                raise ValidationError(
                    self.env._(
                        "The offset and the days in advance of rule %s cannot be "
                        "negative.",
                        rule.name,
                    )
                )

    @api.constrains("assign_to", "user_id")
    def _check_user(self):
        for rule in self:
            if rule.assign_to == "fixed_user" and not rule.user_id:
                raise ValidationError(
                    self.env._("Choose the user rule %s assigns to.", rule.name)
                )

    @api.constrains("activity_type_id", "trigger")
    def _check_activity_type(self):
        for rule in self:
            model = rule.activity_type_id.res_model
            if model and model != TRIGGER_MODEL[rule.trigger]:
                raise ValidationError(
                    self.env._(
                        "Activity type %(type)s is for another kind of document "
                        "than the reminders of rule %(rule)s.",
                        type=rule.activity_type_id.name,
                        rule=rule.name,
                    )
                )

    @api.constrains("partner_domain")
    def _check_partner_domain(self):
        for rule in self:
            try:
                self.env["res.partner"].search_count(rule._get_partner_domain())
            except Exception as error:
                raise ValidationError(
                    self.env._(
                        "The customer filter of rule %(rule)s is invalid: %(error)s",
                        rule=rule.name,
                        error=error,
                    )
                ) from error

    # === ACTION METHODS === #

    def action_view_reminders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "autosales_addon.action_autosales_reminder_log"
        )
        action["domain"] = [("rule_id", "=", self.id)]
        action["context"] = {}
        return action

    def action_run_now(self):
        """Create the reminders that are due today for these rules."""
        # The rules run as superuser below: only who may edit them may run them.
        self.check_access("write")
        today = self.env["sale.standing.order"]._get_today()
        if "reorder_due" in self.mapped("trigger"):
            self.env["res.partner"].sudo()._autosales_update_reorder_dates()
        activities = self.env["mail.activity"]
        for rule in self.sudo():
            activities |= rule._create_reminders(today)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("%s reminders were created.", len(activities)),
                # the reminder count of the rule changed
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # === BUSINESS METHODS === #

    @api.model
    def _withdraw_trigger_reminders(self, trigger, records):
        """Withdraw at once the open reminders of ``trigger`` about
        ``records`` whose event is over (the scheduled action would withdraw
        them at its next run)."""
        if not records:
            return
        for rule in self.sudo().search([("trigger", "=", trigger)]):
            rule._withdraw_obsolete_reminders(records)

    @api.model
    def _create_trigger_reminders(self, trigger, records):
        """Create at once the reminders of ``trigger`` for ``records`` (the
        scheduled action would create them at its next run)."""
        rules = self.sudo().search([("trigger", "=", trigger)])
        if not rules or not records:
            return self.env["mail.activity"]
        groups = (
            records.grouped("company_id")
            if "company_id" in records._fields
            else {self.env.company: records}
        )
        activities = self.env["mail.activity"]
        for company, company_records in groups.items():
            # The day of the records' company.
            today = (company or self.env.company)._autosales_get_today()
            for rule in rules:
                activities |= rule._create_reminders(
                    today, records=company_records.sudo()
                )
        return activities

    def _create_reminders(self, today, records=None):
        """Create the reminders of this rule that are due to exist on ``today``.

        :param date today: the reference date
        :param records: only consider these documents (default: all)
        :return: the new ``mail.activity`` records
        """
        self.ensure_one()
        if self.trigger in WITHDRAWN_TRIGGERS:
            self._withdraw_obsolete_reminders(records)
        events = getattr(self, f"_get_events_{self.trigger}")(today, records)
        events = self._filter_events(events)
        return self._create_activities(events)

    def _get_event_window(self, today, late_limit=True):
        """First and last event dates whose reminder must exist on ``today``
        (no first date when late events are reminded of too)."""
        shift = TRIGGER_DIRECTION[self.trigger] * self.offset_days
        last = today + timedelta(days=self.advance_days - shift)
        first = today - timedelta(days=LATE_TOLERANCE_DAYS + shift)
        return (first if late_limit else None), last

    def _get_deadline(self, event_date):
        return event_date + timedelta(
            days=TRIGGER_DIRECTION[self.trigger] * self.offset_days
        )

    def _get_document_domain(self, model, records=None):
        """Domain of the documents of ``model`` this rule may remind of (in
        the company of the pass, see :meth:`_cron_create_reminders`)."""

        def in_companies(company_ids):
            # Customers shared by all companies belong to each of them.
            if model == "res.partner":
                return [
                    "|",
                    ("company_id", "=", False),
                    ("company_id", "in", company_ids),
                ]
            return [("company_id", "in", company_ids)]

        domain = []
        if company_id := self.env.context.get("autosales_reminder_company_id"):
            domain = in_companies([company_id])
        if self.company_ids:
            domain = expression.AND([domain, in_companies(self.company_ids.ids)])
        if records is not None:
            domain = expression.AND([domain, [("id", "in", records.ids)]])
        return domain

    def _get_partner_domain(self):
        self.ensure_one()
        return safe_eval(
            self.partner_domain or "[]",
            {
                "uid": self.env.uid,
                "user": self.env.user,
                "context_today": lambda: fields.Date.context_today(self),
                "datetime": safe_datetime,
            },
        )

    def _get_pass_company(self):
        """The company of this reminder pass (see
        :meth:`_cron_create_reminders`): the current one outside the
        scheduled action."""
        company_id = self.env.context.get("autosales_reminder_company_id")
        return self.env["res.company"].browse(company_id) or self.env.company

    def _get_log_company(self, record):
        """Company of the reminder about ``record``: its own, or for a
        customer shared by all companies, the pass's when the event is the
        company's own (a reorder predicted from its orders, a contact made for
        it)."""
        company = record.company_id if "company_id" in record._fields else None
        if not company and self.trigger in COMPANY_EVENT_TRIGGERS:
            return self._get_pass_company()
        return company or self.env["res.company"]

    def _get_events_reorder_due(self, today, records):
        """Customers due to reorder in the company of the pass, as predicted
        from their orders there."""
        first, last = self._get_event_window(today)
        partners = (
            self.env["res.partner"]
            .with_company(self._get_pass_company())
            .search(
                expression.AND(
                    [
                        self._get_document_domain("res.partner", records),
                        [
                            ("autosales_reorder_date", ">=", first),
                            ("autosales_reorder_date", "<=", last),
                        ],
                    ]
                )
            )
        )
        return [(partner, partner.autosales_reorder_date) for partner in partners]

    def _get_events_standing_order_upcoming(self, today, records):
        first, last = self._get_event_window(today)
        standing_orders = self.env["sale.standing.order"].search(
            expression.AND(
                [
                    self._get_document_domain("sale.standing.order", records),
                    [
                        ("state", "=", "active"),
                        ("next_date", ">=", max(first, today)),
                        ("next_date", "<=", last),
                    ],
                ]
            )
        )
        return [(standing, standing.next_date) for standing in standing_orders]

    def _get_events_after_delivery(self, today, records):
        first, last = self._get_event_window(today)
        domain = [
            ("picking_type_code", "=", "outgoing"),
            ("state", "=", "done"),
            ("sale_id", "!=", False),
            ("date_done", ">=", datetime.combine(first, time.min)),
            ("date_done", "<", datetime.combine(last + timedelta(days=1), time.min)),
        ]
        if self.company_ids:
            domain.append(("sale_id.company_id", "in", self.company_ids.ids))
        if company_id := self.env.context.get("autosales_reminder_company_id"):
            domain.append(("sale_id.company_id", "=", company_id))
        if records is not None:
            domain.append(("sale_id", "in", records.ids))
        rows = self.env["stock.picking"]._read_group(
            domain, ["sale_id", "date_done:day"], []
        )
        return [(order, fields.Date.to_date(day)) for order, day in rows]

    def _get_events_no_contact(self, today, records):
        _first, last = self._get_event_window(today, late_limit=False)
        partners = self._get_no_contact_candidates(records)
        events = []
        for partner, event_date in self._get_last_contact_dates(partners).items():
            if event_date <= last:
                events.append((partner, event_date))
        return events

    def _get_no_contact_candidates(self, records, domain=None):
        """Customers followed by a salesperson or who bought something (and
        matching ``domain`` when given)."""
        partners = self.env["res.partner"].search(
            expression.AND(
                [
                    self._get_document_domain("res.partner", records),
                    ["|", ("user_id", "!=", False), ("customer_rank", ">", 0)],
                    domain or [],
                ]
            )
        )
        return partners.filtered(lambda p: p.commercial_partner_id == p)

    def _get_last_contact_dates(self, partners):
        """{partner: date of the last interaction, or of its creation}"""
        # Contacts made for the company of the pass (or for every company).
        last_dates = (
            self.env["autosales.interaction"]
            .sudo()
            ._get_last_interaction_dates(partners, companies=self._get_pass_company())
        )
        return {
            partner: fields.Date.context_today(
                self, last_dates.get(partner) or partner.create_date
            )
            for partner in partners
        }

    def _get_events_standing_order_exception(self, today, records):
        _first, last = self._get_event_window(today, late_limit=False)
        standing_orders = self.env["sale.standing.order"].search(
            expression.AND(
                [
                    self._get_document_domain("sale.standing.order", records),
                    [("state", "=", "exception")],
                ]
            )
        )
        events = []
        for standing in standing_orders:
            event_date = standing._get_exception_date()
            if event_date <= last:
                events.append((standing, event_date))
        return events

    def _get_current_event_dates(self, records):
        """{record id: its current event date (False when none)} for the
        triggers whose reminders are withdrawn when the event changes."""
        if self.trigger == "reorder_due":
            company = self._get_pass_company()
            return {
                p.id: p.with_company(company).autosales_reorder_date for p in records
            }
        if self.trigger == "no_contact":
            return {p.id: d for p, d in self._get_last_contact_dates(records).items()}
        if self.trigger == "standing_order_upcoming":
            # The next order, while the standing order runs (a moved date,
            # a pause: the reminder of the old one is over).
            return {
                standing.id: standing.state in ("active", "exception")
                and standing.next_date
                for standing in records
            }
        return {
            standing.id: standing.state == "exception"
            and standing._get_exception_date()
            for standing in records
        }

    def _withdraw_obsolete_reminders(self, records=None):
        """Delete the open reminders whose event is over (the customer ordered,
        was contacted, or the standing order runs again)."""
        domain = [("rule_id", "=", self.id), ("state", "=", "open")]
        if records is not None:
            domain.append(("res_id", "in", records.ids))
        if self.trigger in COMPANY_EVENT_TRIGGERS:
            # The events of this pass are its company's.
            domain.append(("company_id", "in", [self._get_pass_company().id, False]))
        logs = self.env["autosales.reminder.log"].search(domain)
        if not logs:
            return
        documents = self.env[self.res_model].browse(logs.mapped("res_id")).exists()
        current = self._get_current_event_dates(documents)
        obsolete = logs.filtered(lambda log: current.get(log.res_id) != log.event_date)
        obsolete.activity_id.unlink()
        obsolete.filtered(lambda log: log.state == "open").write({"state": "cancelled"})

    def _filter_events(self, events):
        """Keep the events of customers matching the rule, not reminded of yet."""
        if not events:
            return events
        customers = {record: record._autosales_get_customer() for record, _d in events}
        domain = self._get_partner_domain()
        if domain:
            allowed = self.env["res.partner"].search(
                expression.AND(
                    [domain, [("id", "in", [c.id for c in customers.values()])]]
                )
            )
            events = [(r, d) for r, d in events if customers[r] in allowed]
        return self._exclude_logged(events)

    def _exclude_logged(self, events):
        if not events:
            return events
        logged = {
            (log.res_id, log.event_date)
            for log in self.env["autosales.reminder.log"].search_fetch(
                [
                    ("rule_id", "=", self.id),
                    ("res_model", "=", self.res_model),
                    ("res_id", "in", list({record.id for record, _d in events})),
                    ("event_date", "in", list({d for _r, d in events})),
                ],
                ["res_id", "event_date"],
            )
        }
        return [(r, d) for r, d in events if (r.id, d) not in logged]

    def _get_assignee(self, record, customer):
        """The user a reminder about ``record`` is assigned to, or no user."""
        team = (
            record.team_id
            if "team_id" in record._fields
            else (customer.user_id or record.user_id).sale_team_id
        )
        chosen = {
            "customer_salesperson": customer.user_id,
            "document_salesperson": record.user_id,
            "team_leader": team.user_id,
            "fixed_user": self.user_id,
        }[self.assign_to]
        fallbacks = (customer.user_id, record.user_id, self.user_id)
        if self.assign_to == "team_leader":
            # Escalations go up, not back to the salesperson they are about.
            fallbacks = (self.user_id, *fallbacks)
        for user in (chosen, *fallbacks):
            if user and user.active and not user.share:
                return user
        return self.env["res.users"]

    def _render(self, template, values, html=False):
        def replace(match):
            if match.group(1) not in values:
                return match.group(0)
            value = values[match.group(1)]
            return escape(value) if html else value

        rendered = PLACEHOLDER.sub(replace, template)
        return Markup(rendered) if html else rendered  # values are escaped

    def _get_default_summary(self):
        return {
            "reorder_due": self.env._("Time to reorder for {customer} ({date})"),
            "standing_order_upcoming": self.env._("Next order of {document} on {date}"),
            "after_delivery": self.env._(
                "Follow up on the receipt of {document} (delivered {date})"
            ),
            "no_contact": self.env._("No contact with {customer} since {date}"),
            "standing_order_exception": self.env._("{document} needs attention"),
        }[self.trigger]

    def _prepare_activity_values(self, record, event_date, user):
        """Values of the reminder activity of ``record`` for ``event_date``."""
        self.ensure_one()
        rule = self.with_context(lang=user.lang or self.env.lang)
        customer = record._autosales_get_customer()
        deadline = self._get_deadline(event_date)
        values = {
            "customer": customer.display_name,
            "document": record.display_name,
            "date": format_date(rule.env, event_date),
            "deadline": format_date(rule.env, deadline),
        }
        summary = rule._render(
            rule.summary
            or rule.activity_type_id.summary
            or rule._get_default_summary(),
            values,
        )
        note = False
        if not is_html_empty(rule.note):
            note = rule._render(rule.note, values, html=True)
        elif not is_html_empty(rule.activity_type_id.default_note):
            note = rule.activity_type_id.default_note
        return {
            "res_model_id": self.env["ir.model"]._get_id(record._name),
            "res_id": record.id,
            "activity_type_id": self.activity_type_id.id,
            "summary": summary,
            "note": note,
            "user_id": user.id,
            "date_deadline": deadline,
            "automated": True,
        }

    def _create_activities(self, events, retry=True):
        """Create one reminder activity (and its log row) per event."""
        Activity = self.env["mail.activity"]
        if not events:
            return Activity
        activity_values, log_values = [], []
        for record, event_date in events:
            customer = record._autosales_get_customer()
            user = self._get_assignee(record, customer)
            if not user:
                _logger.info(
                    "Reminder rule %s: nobody to assign %s to", self.name, record
                )
                continue
            values = self._prepare_activity_values(record, event_date, user)
            activity_values.append(values)
            log_values.append(
                {
                    "rule_id": self.id,
                    "res_model": record._name,
                    "res_id": record.id,
                    "event_date": event_date,
                    "date_deadline": values["date_deadline"],
                    "partner_id": customer.id,
                    "user_id": user.id,
                    "company_id": self._get_log_company(record).id,
                }
            )
        if not activity_values:
            return Activity
        try:
            with self.env.cr.savepoint():
                # Reminders show in the assignee's activity menu: no email each.
                activities = Activity.with_context(
                    mail_activity_quick_update=True
                ).create(activity_values)
                for values, activity in zip(log_values, activities, strict=True):
                    values["activity_id"] = activity.id
                self.env["autosales.reminder.log"].create(log_values)
        except psycopg2.errors.UniqueViolation:
            # A concurrent run reminded of some of these events first.
            if not retry:
                raise
            self.env.invalidate_all()
            return self._create_activities(self._exclude_logged(events), retry=False)
        return activities

    # === CRON METHODS === #

    @api.model
    def _cron_create_reminders(self, today=None):
        """Scheduled action: refresh the reorder predictions, then create the
        reminders of every active rule that are due on ``today``.

        :param date today: the reference date (default: for the documents of
            each company, today in its time zone; customers shared by all
            companies are reminded of on the first company's day)
        :return: the new ``mail.activity`` records
        """
        passes = (
            [(today, None)]
            if today
            else [
                (day, company)
                for company, day in self.env["res.company"]
                ._autosales_get_todays()
                .items()
            ]
        )
        self.env["res.partner"]._autosales_update_reorder_dates(today)
        self._commit_progress()
        rules = self.search([("active", "=", True)])
        activities = self.env["mail.activity"]
        for index, rule in enumerate(rules, start=1):
            for day, company in passes:
                company_rule = (
                    rule.with_context(autosales_reminder_company_id=company.id)
                    if company
                    else rule
                )
                activities |= company_rule._create_reminders(day)
            self._commit_progress()
            self.env["ir.cron"]._notify_progress(
                done=index, remaining=len(rules) - index
            )
        return activities

    def _commit_progress(self):
        if not odoo_module.current_test:
            self.env.cr.commit()  # pylint: disable=invalid-commit
