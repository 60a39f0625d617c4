from collections import defaultdict
from datetime import timedelta
from statistics import median

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from .autosales_interaction import CONTACT_WINDOW_DAYS

# Reorder prediction: the median interval between the last orders of a
# customer, from at least REORDER_MIN_ORDERS orders on different days of the
# last REORDER_HISTORY_DAYS days, at most the last REORDER_MAX_ORDERS.
REORDER_MIN_ORDERS = 3
REORDER_MAX_ORDERS = 6
REORDER_HISTORY_DAYS = 730


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "autosales.interaction.mixin"]
    _autosales_interaction_field = "partner_id"

    on_account_allowed = fields.Boolean(
        string="Approved for Orders on Account",
        copy=False,
        tracking=True,
        help="Orders of this customer may be confirmed without payment and charged to "
        "their account (within their credit limit). Set by sales managers on the "
        "company; its contacts and addresses share it. Never copied to them: a "
        "contact detached from the company is not approved.",
    )
    standing_order_ids = fields.One2many(
        "sale.standing.order",
        "commercial_partner_id",
        string="Standing Orders",
    )
    standing_order_count = fields.Integer(compute="_compute_standing_order_count")
    autosales_delivery_weekday_ids = fields.Many2many(
        "autosales.weekday",
        relation="autosales_partner_delivery_weekday_rel",
        column1="partner_id",
        column2="weekday_id",
        string="Delivery Days",
        help="Days of the week this customer (a company, for all its contacts and "
        "addresses) takes deliveries: each standing-order "
        "occurrence on another day moves to one of them (to the next one, or to "
        "the previous one when the company moves orders off closed days to the "
        "previous working day). Empty: any day.",
    )

    # Business figures (of the commercial partner)
    autosales_currency_id = fields.Many2one(
        "res.currency", compute="_compute_autosales_currency_id"
    )
    autosales_monthly_amount = fields.Monetary(
        string="Monthly Recurring Revenue",
        compute="_compute_autosales_monthly_amount",
        currency_field="autosales_currency_id",
        groups="sales_team.group_sale_salesman",
        help="What the customer's running standing orders bring in a month, each "
        "order's amount normalised to a month (in the current company's currency).",
    )
    autosales_customer_since = fields.Date(
        string="Customer Since",
        compute="_compute_autosales_order_figures",
        groups="sales_team.group_sale_salesman",
        help="Day of the customer's first confirmed order.",
    )
    autosales_order_count = fields.Integer(
        string="Orders Placed",
        compute="_compute_autosales_order_figures",
        groups="sales_team.group_sale_salesman",
        help="Confirmed orders of the customer, standing or not.",
    )

    # Key contacts (on the contact persons of a company)
    autosales_role_ids = fields.Many2many(
        "autosales.contact.role",
        string="Roles",
        help="What this person does for the customer: buyer, decision maker...",
    )
    autosales_is_primary_contact = fields.Boolean(
        string="Primary Contact",
        help="The person to contact first at this customer (one per company).",
    )
    autosales_contact_ids = fields.One2many(
        "res.partner",
        "parent_id",
        string="Contact Persons",
        domain=[("type", "=", "contact"), ("is_company", "=", False)],
    )
    autosales_key_contact_ids = fields.Many2many(
        "res.partner",
        string="Key Contacts",
        compute="_compute_autosales_key_contacts",
        help="Contact persons with a role, the primary contact first.",
    )
    autosales_primary_contact_id = fields.Many2one(
        "res.partner",
        string="Primary Contact Person",
        compute="_compute_autosales_key_contacts",
    )

    # Interactions (on the commercial partner)
    autosales_interaction_ids = fields.One2many(
        "autosales.interaction", "partner_id", string="Interaction Log"
    )
    autosales_last_interaction_date = fields.Datetime(
        string="Last Interaction",
        compute="_compute_autosales_last_interaction",
    )
    autosales_days_since_contact = fields.Integer(
        string="Days Since Last Contact",
        compute="_compute_autosales_last_interaction",
    )
    autosales_site_visit_count = fields.Integer(
        string="Site Visits", compute="_compute_autosales_interaction_stats"
    )
    autosales_phone_call_count = fields.Integer(
        string="Phone Calls", compute="_compute_autosales_interaction_stats"
    )
    autosales_email_count = fields.Integer(
        string="Emails", compute="_compute_autosales_interaction_stats"
    )
    autosales_meeting_count = fields.Integer(
        string="Customer Meetings", compute="_compute_autosales_interaction_stats"
    )
    autosales_other_interaction_count = fields.Integer(
        string="Other Interactions", compute="_compute_autosales_interaction_stats"
    )

    # Planned contacts, each company on its own: a company's prediction
    # comes from its own orders, and its next contact from its own
    # reminders and interactions.
    autosales_reorder_date = fields.Date(
        string="Reorder Due",
        company_dependent=True,
        readonly=True,
        copy=False,
        help="Date of the next order predicted from the order history of this "
        "customer in the current company (none for customers with a standing "
        "order there). Refreshed daily.",
    )
    autosales_order_interval = fields.Integer(
        string="Usual Order Interval (days)",
        company_dependent=True,
        readonly=True,
        copy=False,
        help="Median number of days between the last orders of this customer in "
        "the current company.",
    )
    autosales_open_reminder_ids = fields.One2many(
        "autosales.reminder.log",
        "partner_id",
        string="Open Reminders",
        domain=[("state", "=", "open")],
    )
    autosales_next_reminder_date = fields.Date(
        string="Next Reminder",
        compute="_compute_autosales_next_reminder_date",
        help="Due date of the next open reminder about this customer in the "
        "current company.",
    )
    autosales_next_contact_date = fields.Date(
        string="Next Contact",
        company_dependent=True,
        readonly=True,
        copy=False,
        help="The next reminder or the reorder due date, whichever comes first, "
        "in the current company. A reorder due date counts until the customer "
        "is contacted, in the week before it or later.",
    )
    autosales_next_contact_reason = fields.Char(
        string="Reason",
        compute="_compute_autosales_next_contact_reason",
        # As the next contact date: whoever the reminder is assigned to.
        compute_sudo=True,
        help="Why the customer is to be contacted on the next contact date.",
    )

    # === COMPUTE METHODS === #

    def _compute_standing_order_count(self):
        commercial_partners = self.commercial_partner_id
        counts = dict(
            self.env["sale.standing.order"]._read_group(
                [("commercial_partner_id", "in", commercial_partners.ids)],
                ["commercial_partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.standing_order_count = counts.get(partner.commercial_partner_id, 0)

    @api.depends_context("allowed_company_ids")
    def _compute_autosales_currency_id(self):
        self.autosales_currency_id = self.env.company.currency_id

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_autosales_monthly_amount(self):
        company = self.env.company
        today = fields.Date.context_today(self)
        amounts = defaultdict(float)
        for customer, standing_company, amount in self.env[
            "sale.standing.order"
        ]._read_group(
            [
                ("commercial_partner_id", "in", self.commercial_partner_id.ids),
                ("recurring_monthly", "!=", 0),
            ],
            ["commercial_partner_id", "company_id"],
            ["recurring_monthly:sum"],
        ):
            amounts[customer.id] += standing_company.currency_id._convert(
                amount, company.currency_id, company, today
            )
        for partner in self:
            partner.autosales_monthly_amount = amounts[
                partner.commercial_partner_id._origin.id
            ]

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_autosales_order_figures(self):
        counts = defaultdict(int)
        firsts = {}
        commercial_ids = self.commercial_partner_id.ids
        groups = (
            self.env["sale.order"]._read_group(
                [("partner_id", "child_of", commercial_ids), ("state", "=", "sale")],
                ["partner_id"],
                ["__count", "date_order:min"],
            )
            if commercial_ids
            else []
        )
        for ordering_partner, count, first in groups:
            customer = ordering_partner.commercial_partner_id.id
            counts[customer] += count
            if customer not in firsts or first < firsts[customer]:
                firsts[customer] = first
        for partner in self:
            customer = partner.commercial_partner_id._origin.id
            first = firsts.get(customer)
            partner.autosales_order_count = counts[customer]
            partner.autosales_customer_since = (
                fields.Date.context_today(self, first) if first else False
            )

    @api.depends(
        "child_ids.autosales_role_ids",
        "child_ids.autosales_is_primary_contact",
    )
    def _compute_autosales_key_contacts(self):
        for partner in self:
            contacts = partner.commercial_partner_id.child_ids.filtered(
                lambda c: c.autosales_role_ids or c.autosales_is_primary_contact
            ).sorted(lambda c: (not c.autosales_is_primary_contact, c.name or ""))
            partner.autosales_key_contact_ids = contacts
            partner.autosales_primary_contact_id = contacts.filtered(
                "autosales_is_primary_contact"
            )[:1]

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_autosales_last_interaction(self):
        Interaction = self.env["autosales.interaction"]
        commercial = self.commercial_partner_id
        # What this user may see of the companies they work in, as the list
        # of interactions next to it shows.
        last_dates = (
            Interaction._get_last_interaction_dates(
                commercial, companies=self.env.companies
            )
            if Interaction.has_access("read")
            else {}
        )
        today = fields.Date.context_today(self)
        for partner in self:
            last = last_dates.get(partner.commercial_partner_id)
            partner.autosales_last_interaction_date = last
            partner.autosales_days_since_contact = (
                (today - fields.Date.context_today(self, last)).days if last else 0
            )

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_autosales_interaction_stats(self):
        counts = defaultdict(int)
        for partner, interaction_type, count in self.env[
            "autosales.interaction"
        ]._read_group(
            [("partner_id", "in", self.commercial_partner_id.ids)],
            ["partner_id", "interaction_type"],
            ["__count"],
        ):
            counts[partner.id, interaction_type] = count
        for partner in self:
            key = partner.commercial_partner_id.id
            partner.autosales_site_visit_count = counts[key, "site_visit"]
            partner.autosales_phone_call_count = counts[key, "phone_call"]
            partner.autosales_email_count = counts[key, "email"]
            partner.autosales_meeting_count = counts[key, "meeting"]
            partner.autosales_other_interaction_count = counts[key, "other"]

    @api.depends(
        "autosales_open_reminder_ids.state",
        "autosales_open_reminder_ids.company_id",
        "autosales_open_reminder_ids.activity_id.date_deadline",
    )
    @api.depends_context("company")
    def _compute_autosales_next_reminder_date(self):
        for partner in self:
            partner.autosales_next_reminder_date = min(
                partner._autosales_get_open_reminders().activity_id.mapped(
                    "date_deadline"
                ),
                default=False,
            )

    @api.depends("autosales_next_contact_date")
    @api.depends_context("company")
    def _compute_autosales_next_contact_reason(self):
        for partner in self:
            next_date = partner.autosales_next_contact_date
            reminders = partner._autosales_get_open_reminders().filtered(
                lambda log, next_date=next_date: log.activity_id.date_deadline
                == next_date
            )
            if reminders:
                partner.autosales_next_contact_reason = ", ".join(
                    reminders.activity_id.mapped(
                        lambda activity: activity.summary
                        or activity.activity_type_id.name
                    )
                )
            elif next_date and next_date == partner.autosales_reorder_date:
                partner.autosales_next_contact_reason = self.env._("Reorder due")
            else:
                partner.autosales_next_contact_reason = False

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("on_account_allowed") for vals in vals_list):
            self._check_on_account_approval_rights()
        partners = super().create(vals_list)
        partners.filtered(
            "autosales_is_primary_contact"
        )._autosales_unset_other_primary()
        return partners

    def write(self, vals):
        if "on_account_allowed" in vals and any(
            partner.on_account_allowed != bool(vals["on_account_allowed"])
            for partner in self
        ):
            self._check_on_account_approval_rights()
        res = super().write(vals)
        if "autosales_delivery_weekday_ids" in vals:
            self.env["sale.standing.order"].sudo().search(
                [
                    ("commercial_partner_id", "in", self.commercial_partner_id.ids),
                    ("state", "in", ("draft", "active", "paused", "exception")),
                ]
            )._reschedule()
        if vals.get("autosales_is_primary_contact") or (
            "parent_id" in vals and any(self.mapped("autosales_is_primary_contact"))
        ):
            self.filtered(
                "autosales_is_primary_contact"
            )._autosales_unset_other_primary()
        return res

    # === BUSINESS METHODS === #

    def _autosales_unset_other_primary(self):
        """A company has one primary contact: the last one set wins."""
        parents = self.parent_id
        if not parents:
            return
        others = self.search(
            [
                ("parent_id", "in", parents.ids),
                ("autosales_is_primary_contact", "=", True),
                ("id", "not in", self.ids),
            ]
        )
        if others:
            others.write({"autosales_is_primary_contact": False})

    def _autosales_interaction_target(self):
        self.ensure_one()
        return self.commercial_partner_id

    def _autosales_get_customer(self):
        self.ensure_one()
        return self.commercial_partner_id

    def _autosales_get_contact(self):
        self.ensure_one()
        if self != self.commercial_partner_id:
            return self
        return self.browse()

    def _autosales_get_overdue_amount(self, company, due_before):
        """Amount still due by this customer (in ``company``'s currency) on
        its posted invoices of ``company`` due before ``due_before``."""
        self.ensure_one()
        [(amount,)] = (
            self.env["account.move"]
            .sudo()
            ._read_group(
                [
                    ("commercial_partner_id", "=", self.commercial_partner_id.id),
                    ("company_id", "=", company.id),
                    ("move_type", "in", ("out_invoice", "out_refund")),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
                    ("invoice_date_due", "<", due_before),
                ],
                aggregates=["amount_residual_signed:sum"],
            )
        )
        return amount

    def _autosales_get_salesperson(self):
        self.ensure_one()
        return self.commercial_partner_id.user_id or self.user_id

    def _autosales_interaction_document_values(self):
        return {}

    def _autosales_get_open_reminders(self):
        """Open reminders about this customer in the current company (those
        of customers shared by all companies included)."""
        self.ensure_one()
        company = self.env.company
        return self.autosales_open_reminder_ids.filtered(
            lambda log: log.state == "open"
            and log.activity_id
            and log.company_id in (company, log.company_id.browse())
        )

    @api.model
    def _autosales_predict_reorder_dates(self, today, partners=None, company=None):
        """Predict the next order in ``company`` of customers without a
        running standing order there, from their orders in ``company`` only.

        :param date today: the reference date (orders of the last
            ``REORDER_HISTORY_DAYS`` days are considered)
        :param partners: only these commercial partners (default: all)
        :param company: the company whose orders count (default: the current one)
        :return: {commercial partner: (predicted date, median interval in days)}
        """
        company = company or self.env.company
        domain = [
            ("company_id", "=", company.id),
            ("state", "=", "sale"),
            ("date_order", ">=", today - timedelta(days=REORDER_HISTORY_DAYS)),
        ]
        if partners is not None:
            domain.append(("partner_id", "child_of", partners.ids))
        order_days = defaultdict(set)
        for partner, day in (
            self.env["sale.order"]
            .sudo()
            ._read_group(domain, ["partner_id", "date_order:day"])
        ):
            order_days[partner.commercial_partner_id].add(fields.Date.to_date(day))
        with_standing = (
            self.env["sale.standing.order"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("state", "in", ("active", "paused", "exception")),
                    ("commercial_partner_id", "in", [p.id for p in order_days]),
                ]
            )
            .commercial_partner_id
        )
        predictions = {}
        for partner, days in order_days.items():
            days = sorted(days)[-REORDER_MAX_ORDERS:]
            if partner in with_standing or len(days) < REORDER_MIN_ORDERS:
                continue
            interval = round(
                median(
                    (later - earlier).days
                    for earlier, later in zip(days, days[1:], strict=False)
                )
            )
            predictions[partner] = (days[-1] + timedelta(days=interval), interval)
        return predictions

    @api.model
    def _autosales_update_reorder_dates(self, today=None):
        """Store the reorder predictions of all customers in every company
        (see :meth:`_autosales_predict_reorder_dates`), writing only the
        changes, and refresh the next contact dates they move.

        :param date today: the reference date (default: each company's today)
        """
        todays = self.env["res.company"]._autosales_get_todays()
        for company, company_today in todays.items():
            Partner = self.sudo().with_company(company)
            predictions = {
                partner.id: values
                for partner, values in Partner._autosales_predict_reorder_dates(
                    today or company_today, company=company
                ).items()
            }
            stale = Partner.search(
                [
                    ("autosales_reorder_date", "!=", False),
                    ("id", "not in", list(predictions)),
                ]
            )
            changes = defaultdict(list)
            if stale:
                changes[False, 0] = stale.ids
            for partner in Partner.browse(list(predictions)):
                values = predictions[partner.id]
                current = (
                    partner.autosales_reorder_date,
                    partner.autosales_order_interval,
                )
                if current != values:
                    changes[values].append(partner.id)
            changed = Partner.browse()
            for (reorder_date, interval), ids in changes.items():
                partners = Partner.browse(ids)
                partners.write(
                    {
                        "autosales_reorder_date": reorder_date,
                        "autosales_order_interval": interval,
                    }
                )
                changed |= partners
            changed._autosales_refresh_next_contact_dates(company)

    def _autosales_filter_contacted_for_reorder(self):
        """The partners of ``self`` (commercial partners) contacted about
        their predicted reorder date in the current company: in the week
        before it, or since (contacts made for no company count too)."""
        partners = self.filtered("autosales_reorder_date")
        last_contacts = (
            self.env["autosales.interaction"]
            .sudo()
            ._get_last_interaction_dates(partners, companies=self.env.company)
        )
        return partners.filtered(
            lambda partner: partner in last_contacts
            and last_contacts[partner].date()
            >= partner.autosales_reorder_date - timedelta(days=CONTACT_WINDOW_DAYS)
        )

    def _autosales_refresh_next_contact_dates(self, companies=None):
        """Store the next contact date of these commercial partners in each
        of ``companies`` (default: all): their first open reminder there, or
        their predicted reorder date there if sooner and nobody contacted them
        about it (in the week before it, or since)."""
        partners = self.sudo().commercial_partner_id
        if not partners:
            return
        companies = companies or self.env["res.company"]._autosales_get_all()
        logs = (
            self.env["autosales.reminder.log"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", partners.ids),
                    ("state", "=", "open"),
                    ("activity_id", "!=", False),
                ]
            )
        )
        for company in companies:
            company_partners = partners.with_company(company)
            reminder_dates = defaultdict(list)
            for log in logs:
                if log.company_id in (company, log.company_id.browse()):
                    reminder_dates[log.partner_id.id].append(
                        log.activity_id.date_deadline
                    )
            contacted = company_partners._autosales_filter_contacted_for_reorder()
            changes = defaultdict(list)
            for partner in company_partners:
                dates = reminder_dates[partner.id]
                reorder_date = partner.autosales_reorder_date
                if reorder_date and partner not in contacted:
                    dates.append(reorder_date)
                next_date = min(dates, default=False)
                if next_date != partner.autosales_next_contact_date:
                    changes[next_date].append(partner.id)
            for next_date, ids in changes.items():
                company_partners.browse(ids).write(
                    {"autosales_next_contact_date": next_date}
                )

    def _autosales_get_credit_exposure(self, company):
        """Credit used by these commercial partners in ``company``, in its
        currency: {partner id: amount}.

        It counts what they owe (posted invoices not paid yet) and what they
        will owe: every confirmed order's amount not invoiced yet, whatever
        the invoicing policy (Odoo's own credit counts orders invoiced on
        delivered quantities only once delivered).
        """
        if not self:
            return {}
        self.env["sale.order.line"].flush_model(
            ["order_id", "display_type", "price_total", "price_subtotal"]
        )
        self.env["sale.order.line"].flush_model(["untaxed_amount_invoiced"])
        self.env["sale.order"].flush_model(
            ["state", "company_id", "partner_id", "currency_rate"]
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT partner.commercial_partner_id,
                       SUM(
                           CASE WHEN line.price_subtotal > 0 THEN
                               line.price_total * GREATEST(
                                   1 - line.untaxed_amount_invoiced
                                       / line.price_subtotal,
                                   0)
                           ELSE 0 END
                           / COALESCE(NULLIF(so.currency_rate, 0), 1))
                  FROM sale_order_line line
                  JOIN sale_order so ON so.id = line.order_id
                  JOIN res_partner partner ON partner.id = so.partner_id
                 WHERE so.state = 'sale'
                   AND so.company_id = %s
                   AND partner.commercial_partner_id IN %s
                   AND line.display_type IS NULL
              GROUP BY partner.commercial_partner_id
                """,
                company.id,
                tuple(self.ids),
            )
        )
        not_invoiced = dict(rows)
        return {
            partner.id: partner.credit + (not_invoiced.get(partner.id) or 0.0)
            for partner in self.with_company(company)
        }

    def _check_on_account_approval_rights(self):
        if self.env.su or self.env.user.has_group("sales_team.group_sale_manager"):
            return
        raise AccessError(
            self.env._(
                "Only sales managers can approve customers for orders charged to their "
                "account."
            )
        )

    # === ACTION METHODS === #

    def action_view_recurring_revenue(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "autosales_addon.action_sale_standing_order_revenue_event"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {}
        return action

    def action_view_standing_orders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "autosales_addon.action_sale_standing_order"
        )
        action["domain"] = [
            ("commercial_partner_id", "=", self.commercial_partner_id.id)
        ]
        action["context"] = {"default_partner_id": self.id}
        return action
