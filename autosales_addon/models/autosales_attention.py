from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL, float_compare, format_date
from odoo.tools.misc import formatLang

REASONS = [
    ("exception", "Standing Order in Exception"),
    ("payment", "Refused Payment"),
    ("card", "Saved Card"),
    ("credit", "Credit Limit"),
    ("shortfall", "Forecast Shortfall"),
    ("reorder", "Reorder Due"),
    ("no_contact", "No Contact"),
    ("waiting", "Waiting for the Customer"),
]
# Share of the credit limit from which an on-account customer needs attention.
CREDIT_WARNING_RATIO = 0.9
# Transaction-level advisory lock key of the synchronisation: one at a time.
SYNC_LOCK_KEY = 0x4155544F  # "AUTO"


class AutosalesAttention(models.Model):
    """What needs a salesperson's attention, one row per reason and document.

    Rows are not entered by hand: :meth:`_sync_items` makes them match what
    the ``_get_<reason>_items`` methods find (daily scheduled action, and
    each time someone opens the menu, for the rows they see), keeping the
    rows still found, so that ``since`` stays the day a problem was first
    seen when the problem itself has no date. Adding a reason: a selection
    value, its ``_get_<reason>_items`` and its ``_fix_<reason>``.
    """

    _name = "autosales.attention"
    _description = "Needs Attention"
    _order = "since, id"
    _rec_name = "description"

    reason = fields.Selection(selection=REASONS, required=True, readonly=True)
    # Text, so that the list wraps it rather than cutting it off.
    description = fields.Text(string="Why", required=True, readonly=True)
    since = fields.Date(
        required=True,
        readonly=True,
        help="Since when: the day the standing order stopped, the payment was "
        "refused, the customer was due to reorder or last contacted; else the "
        "day the problem was first seen.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    standing_order_id = fields.Many2one(
        "sale.standing.order",
        readonly=True,
        index="btree_not_null",
        ondelete="cascade",
    )
    sale_order_id = fields.Many2one(
        "sale.order",
        string="Order",
        readonly=True,
        index="btree_not_null",
        ondelete="cascade",
    )
    shortfall_id = fields.Many2one(
        "autosales.stock.shortfall",
        readonly=True,
        index="btree_not_null",
        ondelete="cascade",
    )
    product_id = fields.Many2one(related="shortfall_id.product_id")
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        readonly=True,
        index=True,
        ondelete="set null",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )

    # === ACTION METHODS === #

    @api.model
    def action_open_attention(self):
        """The menu: refresh the rows the user sees in their companies, then
        list them, so that a problem fixed since the last visit is gone."""
        self._sync_items(companies=self.env.companies, users=self._get_visible_users())
        return self.env["ir.actions.act_window"]._for_xml_id(
            "autosales_addon.action_autosales_attention"
        )

    def action_open_document(self):
        """Open the document the row is about."""
        self.ensure_one()
        record = self.sale_order_id or self.standing_order_id or self.partner_id
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def action_fix(self):
        """The row's button: what fixes the problem of its reason."""
        self.ensure_one()
        return getattr(self, f"_fix_{self.reason}")()

    def _fix_exception(self):
        return self.action_open_document()

    def _fix_payment(self):
        """Charge the refused order again now: by resuming its standing order
        (once the payment method is fixed) or as its next retry would."""
        order = self.sale_order_id
        order.check_access("write")
        standing = order.standing_order_id
        if standing.state == "exception":
            standing.action_resume()
        elif order.state in ("draft", "sent") and order._autosales_prepare_retry():
            order._autosales_send_payment()
        self._sync_items(companies=self.company_id, reasons=["exception", "payment"])
        paid = order.state == "sale"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if paid else "warning",
                "message": self.env._("Order %s is paid.", order.name)
                if paid
                else self.env._(
                    "Order %s is not paid yet: see its standing order.", order.name
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _fix_card(self):
        return self.action_open_document()

    def _fix_credit(self):
        return self.action_open_document()

    def _fix_shortfall(self):
        """The forecast of the product short in its warehouse."""
        return self.shortfall_id.action_view_forecast()

    def _fix_reorder(self):
        return self.partner_id.with_company(self.company_id).action_log_interaction()

    def _fix_no_contact(self):
        return self._fix_reorder()

    def _fix_waiting(self):
        return self.action_open_document()

    @api.model
    def _forget_contacted(self, interactions):
        """Drop at once the "reorder" and "no contact" rows that these new
        interactions answer (a call logged from the list leaves it), rather
        than at the next synchronisation; one dated too long ago comes back
        then."""
        domain = [("reason", "in", ("reorder", "no_contact"))]
        pairs = {
            (interaction.partner_id.id, interaction.company_id.id)
            for interaction in interactions
            if interaction.partner_id
        }
        if not pairs:
            return
        rows = self.sudo().search(
            domain + [("partner_id", "in", [partner for partner, _c in pairs])]
        )
        rows.filtered(
            lambda row: (row.partner_id.id, row.company_id.id) in pairs
            or (row.partner_id.id, False) in pairs
        ).unlink()

    # === SYNCHRONISATION === #

    @api.model
    def _sync_items(self, companies=None, reasons=None, today=None, users=None):
        """Make the rows of ``companies`` (all by default) and ``reasons``
        (all by default) match the problems found now.

        :param date today: the reference day (default: today in each
            company's time zone)
        :param users: only the rows of these salespeople (``res.users``),
            looking only for their problems; the rows of the others stay as
            they are (default: everyone's)
        :return: False when another transaction is synchronising (its rows
            are as fresh), else True
        """
        Attention = self.sudo()
        self.env.flush_all()
        self.env.cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s)", SYNC_LOCK_KEY))
        if not self.env.cr.fetchone()[0]:
            return False
        todays = (
            {company: company._autosales_get_today() for company in companies.sudo()}
            if companies is not None
            else self.env["res.company"]._autosales_get_todays()
        )
        reasons = reasons or [reason for reason, _label in REASONS]
        for company, company_today in todays.items():
            day = today or company_today
            found = {}
            for reason in reasons:
                finder = getattr(
                    Attention.with_company(company), f"_get_{reason}_items"
                )
                for values in finder(company, day, users=users):
                    values.update(reason=reason, company_id=company.id)
                    found[self._get_item_key(values)] = values
            domain = [("company_id", "=", company.id), ("reason", "in", reasons)]
            if users is not None:
                # Also the rows of the documents found, should another
                # salesperson's row be about one now assigned to ``users``:
                # it is theirs from now on rather than a duplicate.
                partner_ids = {v["partner_id"] for v in found.values()} - {False}
                domain += [
                    "|",
                    ("user_id", "in", users.ids),
                    ("partner_id", "in", list(partner_ids)),
                ]
            existing = Attention.search(domain)
            for row in existing:
                key = (
                    row.reason,
                    row.partner_id.id,
                    row.standing_order_id.id,
                    row.sale_order_id.id,
                    row.shortfall_id.id,
                )
                values = found.pop(key, None)
                if values is None:
                    if users is None or row.user_id in users:
                        row.unlink()
                    continue
                if values.get("since") is None:
                    values.pop("since")
                changes = {
                    field: value
                    for field, value in values.items()
                    if self._get_row_value(row, field) != value
                }
                if changes:
                    row.write(changes)
            for values in found.values():
                if values.get("since") is None:
                    values["since"] = day
            Attention.create(list(found.values()))
        return True

    @api.model
    def _get_visible_users(self):
        """The salespeople whose rows the current user sees, as the record
        rules of this model say: only their own unless they see all leads
        (None: everyone's)."""
        if self.env.su or self.env.user.has_group(
            "sales_team.group_sale_salesman_all_leads"
        ):
            return None
        return self.env.user

    @api.model
    def _get_users_domain(self, users, field="user_id"):
        """The part of a finder's search domain that keeps the documents of
        ``users`` (None: everyone's), whose salesperson is in ``field``."""
        return [] if users is None else [(field, "in", users.ids)]

    @api.model
    def _get_order_users_domain(self, users):
        """:meth:`_get_users_domain` for sale orders, whose rows go to their
        salesperson, else to their standing order's."""
        if users is None:
            return []
        return [
            "|",
            ("user_id", "in", users.ids),
            "&",
            ("user_id", "=", False),
            ("standing_order_id.user_id", "in", users.ids),
        ]

    @api.model
    def _get_row_value(self, row, field):
        value = row[field]
        return value.id if isinstance(value, models.BaseModel) else value

    @api.model
    def _get_item_key(self, values):
        return (
            values["reason"],
            values.get("partner_id") or False,
            values.get("standing_order_id") or False,
            values.get("sale_order_id") or False,
            values.get("shortfall_id") or False,
        )

    @api.model
    def _item_env(self, user):
        """The environment whose language the description of an item is
        written in: its salesperson's, who reads it (and gets it by email)."""
        return self.with_context(lang=user.lang or self.env.lang).env

    def _standing_order_values(self, standing, description, since=None):
        return {
            "description": description,
            "since": since,
            "partner_id": standing.commercial_partner_id.id,
            "standing_order_id": standing.id,
            "sale_order_id": False,
            "shortfall_id": False,
            "user_id": standing.user_id.id,
        }

    def _sale_order_values(self, order, description, since=None):
        return {
            "description": description,
            "since": since,
            "partner_id": order.partner_id.commercial_partner_id.id,
            "standing_order_id": order.standing_order_id.id,
            "sale_order_id": order.id,
            "shortfall_id": False,
            "user_id": (order.user_id or order.standing_order_id.user_id).id,
        }

    def _partner_values(self, partner, description, since=None):
        return {
            "description": description,
            "since": since,
            "partner_id": partner.id,
            "standing_order_id": False,
            "sale_order_id": False,
            "shortfall_id": False,
            "user_id": partner.user_id.id,
        }

    # === REASONS === #
    # Each ``_get_<reason>_items(company, today, users=None)`` returns the
    # values of the rows of ``company`` for that reason (without reason and
    # company), only those of the salespeople ``users`` when given (by its
    # search, not by filtering them all); a ``since`` of None means "the day
    # first seen".

    def _get_exception_items(self, company, today, users=None):
        """Standing orders in exception, with the reason they stopped."""
        standing_orders = self.env["sale.standing.order"].search(
            [("company_id", "=", company.id), ("state", "=", "exception")]
            + self._get_users_domain(users)
        )
        return [
            self._standing_order_values(
                standing,
                (standing.exception_reason or "").strip()
                or self._item_env(standing.user_id)._("Stopped by a problem."),
                standing._get_exception_date(),
            )
            for standing in standing_orders
        ]

    def _get_payment_items(self, company, today, users=None):
        """Orders whose refused payment waits for its next retry."""
        orders = self.env["sale.order"].search(
            [
                ("company_id", "=", company.id),
                ("standing_order_id", "!=", False),
                ("standing_payment_retry_date", "!=", False),
                ("state", "in", ("draft", "sent")),
                *self._get_order_users_domain(users),
            ]
        )
        items = []
        for order in orders:
            env = self._item_env(order.user_id or order.standing_order_id.user_id)
            refusal = (
                order._autosales_current_transaction().state_message or ""
            ).strip()
            amount = formatLang(env, order.amount_total, currency_obj=order.currency_id)
            retry_date = format_date(env, order.standing_payment_retry_date)
            if refusal:
                description = env._(
                    "Payment of %(amount)s refused (%(reason)s); retried on %(date)s.",
                    amount=amount,
                    reason=refusal,
                    date=retry_date,
                )
            else:
                description = env._(
                    "Payment of %(amount)s refused; retried on %(date)s.",
                    amount=amount,
                    date=retry_date,
                )
            items.append(
                self._sale_order_values(
                    order, description, order.standing_payment_failed_date or None
                )
            )
        return items

    def _get_card_items(self, company, today, users=None):
        """Running pay-now standing orders whose saved card was removed, or
        expires before their next order (when its provider tells the expiry,
        see ``payment.token._autosales_get_expiry_date``). Those stopped in
        exception are left to their exception row, which says why."""
        standing_orders = self.env["sale.standing.order"].search(
            [
                ("company_id", "=", company.id),
                ("payment_mode", "=", "pay_now"),
                ("state", "in", ("active", "paused")),
                *self._get_users_domain(users),
            ]
        )
        items = []
        for standing in standing_orders:
            env = self._item_env(standing.user_id)
            token = standing.payment_token_id
            if not token or not token.active:
                description = (
                    env._(
                        "The saved card %s was removed: the customer must choose "
                        "another one.",
                        token._autosales_masked_label(),
                    )
                    if token
                    else env._("No saved card: the customer must choose one.")
                )
                items.append(self._standing_order_values(standing, description))
                continue
            expiry = token._autosales_get_expiry_date()
            if expiry and standing.next_date and expiry < standing.next_date:
                description = env._(
                    "The saved card %(card)s expires on %(expiry)s, before the next "
                    "order on %(date)s.",
                    card=token._autosales_masked_label(),
                    expiry=format_date(env, expiry),
                    date=format_date(env, standing.next_date),
                )
                items.append(self._standing_order_values(standing, description))
        return items

    def _get_credit_items(self, company, today, users=None):
        """Customers approved for orders on account using more than
        ``CREDIT_WARNING_RATIO`` of their credit limit in ``company``."""
        if not company.account_use_credit_limit:
            return []
        customers = (
            self.env["res.partner"]
            .with_company(company)
            .search(
                [
                    ("on_account_allowed", "=", True),
                    ("company_id", "in", (False, company.id)),
                    *self._get_users_domain(users),
                ]
            )
            .filtered(lambda p: p.commercial_partner_id == p and p.credit_limit)
        )
        exposures = customers._autosales_get_credit_exposure(company)
        currency = company.currency_id
        items = []
        for customer in customers:
            limit = customer.credit_limit
            used = exposures.get(customer.id, 0.0)
            if (
                float_compare(
                    used,
                    limit * CREDIT_WARNING_RATIO,
                    precision_rounding=currency.rounding,
                )
                <= 0
            ):
                continue
            env = self._item_env(customer.user_id)
            if float_compare(used, limit, precision_rounding=currency.rounding) > 0:
                description = env._(
                    "%(over)s over the credit limit of %(limit)s (%(used)s used).",
                    over=formatLang(env, used - limit, currency_obj=currency),
                    limit=formatLang(env, limit, currency_obj=currency),
                    used=formatLang(env, used, currency_obj=currency),
                )
            else:
                description = env._(
                    "%(used)s used of the credit limit of %(limit)s (%(percent)s %%).",
                    used=formatLang(env, used, currency_obj=currency),
                    limit=formatLang(env, limit, currency_obj=currency),
                    percent=int(used * 100 // limit),
                )
            items.append(self._partner_values(customer, description))
        return items

    def _get_shortfall_items(self, company, today, users=None):
        """Forecast shortfalls within the company's warning days: one row for
        each standing order whose orders from the shortfall day on will find
        too little stock, for its salesperson."""
        shortfalls = (
            self.env["autosales.stock.shortfall"]
            .sudo()
            .search(
                [("company_id", "=", company.id)]
                + self._get_users_domain(users, "standing_order_ids.user_id")
            )
            ._filter_due(today)
        )
        digits = self.env["decimal.precision"].precision_get("Product Unit of Measure")
        items = []
        for shortfall in shortfalls:
            standing_orders = shortfall.standing_order_ids
            if users is not None:
                standing_orders = standing_orders.filtered(
                    lambda standing: standing.user_id in users
                )
            for standing in standing_orders:
                env = self._item_env(standing.user_id)
                description = env._(
                    "The warehouse %(warehouse)s will be short of %(quantity)s "
                    "%(uom)s of %(product)s from %(date)s.",
                    product=shortfall.product_id.display_name,
                    quantity=formatLang(env, shortfall.quantity, digits=digits),
                    uom=shortfall.product_uom_id.name,
                    date=format_date(env, shortfall.date),
                    warehouse=shortfall.warehouse_id.name,
                )
                items.append(
                    {
                        **self._standing_order_values(standing, description),
                        "shortfall_id": shortfall.id,
                    }
                )
        return items

    def _get_reorder_items(self, company, today, users=None):
        """Customers past the date their order history predicts for their
        next order, not contacted about it since the week before."""
        partners = (
            self.env["res.partner"]
            .with_company(company)
            .search(
                [
                    ("autosales_reorder_date", "<", today),
                    ("company_id", "in", (False, company.id)),
                    *self._get_users_domain(users),
                ]
            )
        )
        items = []
        for partner in partners - partners._autosales_filter_contacted_for_reorder():
            env = self._item_env(partner.user_id)
            description = env._(
                "Expected to reorder on %(date)s (orders every %(days)s days).",
                date=format_date(env, partner.autosales_reorder_date),
                days=partner.autosales_order_interval,
            )
            items.append(
                self._partner_values(
                    partner, description, partner.autosales_reorder_date
                )
            )
        return items

    def _get_no_contact_items(self, company, today, users=None):
        """Customers without an interaction of ``company`` for its
        ``autosales_no_contact_days`` (counted from their creation when they
        have none): the customers the "No contact" reminder rules consider."""
        days = company.autosales_no_contact_days
        if days <= 0:
            return []
        partners = (
            self.env["autosales.reminder.rule"]
            .with_context(autosales_reminder_company_id=company.id)
            ._get_no_contact_candidates(None, self._get_users_domain(users))
        )
        last_dates = self.env["autosales.interaction"]._get_last_interaction_dates(
            partners, companies=company
        )
        limit = today - timedelta(days=days)
        items = []
        for partner in partners:
            last = last_dates.get(partner)
            since = fields.Date.context_today(
                self.with_context(tz=company._autosales_get_tz()),
                last or partner.create_date,
            )
            if since > limit:
                continue
            env = self._item_env(partner.user_id)
            description = (
                env._(
                    "No contact for %(days)s days (last on %(date)s).",
                    days=(today - since).days,
                    date=format_date(env, since),
                )
                if last
                else env._(
                    "Never contacted (customer since %s).", format_date(env, since)
                )
            )
            items.append(self._partner_values(partner, description, since))
        return items

    def _get_waiting_items(self, company, today, users=None):
        """Orders prepared ahead that wait for the customer's review."""
        orders = self.env["sale.order"].search(
            [
                ("company_id", "=", company.id),
                ("autosales_preview_state", "=", "waiting"),
                ("state", "in", ("draft", "sent")),
                *self._get_order_users_domain(users),
            ]
        )
        items = []
        for order in orders:
            env = self._item_env(order.user_id or order.standing_order_id.user_id)
            description = env._(
                "Prepared order of %s waits for the customer's review.",
                format_date(env, order.standing_order_date),
            )
            items.append(
                self._sale_order_values(
                    order,
                    description,
                    fields.Date.context_today(
                        self.with_context(tz=company._autosales_get_tz()),
                        order.create_date,
                    ),
                )
            )
        return items

    # === CRON METHODS === #

    @api.model
    def _cron_sync_items(self, today=None):
        """Scheduled action: refresh the rows of every company."""
        self._sync_items(today=today)
