from odoo import api, fields, models

# States in which a standing order counts for the monthly recurring revenue.
# A standing order in exception is stopped by a problem (a refused payment,
# overdue invoices, a missing address), not by the customer, and runs again
# once it is solved: it keeps counting, as a past-due subscription does.
RUNNING_STATES = ("active", "exception")
# Fields of a standing order whose change may move its monthly amount.
REVENUE_FIELDS = {"state", "interval_number", "interval_type", "pricelist_id"}


class SaleStandingOrder(models.Model):
    """The recurring revenue of standing orders: the amount per order
    normalised to a month, and the movements of that monthly recurring
    revenue (MRR) recorded whenever it changes, for the Recurring Revenue
    report and the customer's figures."""

    # One concern per file: sale_standing_order, its generation, its revenue.
    _inherit = "sale.standing.order"  # pylint: disable=consider-merging-classes-inherited

    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    monthly_amount = fields.Monetary(
        compute="_compute_monthly_amount",
        compute_sudo=True,
        currency_field="currency_id",
        help="Untaxed amount of one order at today's prices, normalised to a "
        "month: every 2 months counts half, every week 4.35 times (an average "
        "month of 30.4375 days).",
    )
    recurring_monthly = fields.Monetary(
        string="Monthly Recurring Revenue",
        currency_field="company_currency_id",
        copy=False,
        readonly=True,
        help="What this standing order counts for in the recurring revenue, in "
        "the company's currency: its monthly amount while it runs (active or in "
        "exception), zero otherwise. Recorded when its products, interval or "
        "state change.",
    )
    revenue_event_ids = fields.One2many(
        "sale.standing.order.revenue.event",
        "standing_order_id",
        string="Recurring Revenue Movements",
        groups="sales_team.group_sale_salesman",
    )

    # === COMPUTE METHODS === #

    @api.depends("amount_untaxed", "interval_number", "interval_type")
    def _compute_monthly_amount(self):
        for standing in self:
            standing.monthly_amount = (
                standing.amount_untaxed * standing._get_monthly_factor()
            )

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        standing_orders = super().create(vals_list)
        # Created running (imports, copies made by other modules).
        standing_orders.filtered(
            lambda standing: standing.state in RUNNING_STATES
        )._record_revenue_events()
        return standing_orders

    def write(self, vals):
        # A paused standing order no longer counts when it is cancelled or
        # ends: its churn is recorded all the same, at zero, for its reason.
        stopped_paused = (
            self.filtered(lambda standing: standing.state == "paused")
            if vals.get("state") in ("cancelled", "done")
            else self.browse()
        )
        res = super().write(vals)
        if REVENUE_FIELDS & vals.keys():
            self._record_revenue_events()
        if stopped_paused:
            self.env["sale.standing.order.revenue.event"].sudo().create(
                [
                    {
                        **standing._prepare_revenue_event_values("churn"),
                        "mrr_change": 0,
                        "mrr_after": 0,
                    }
                    for standing in stopped_paused
                ]
            )
        return res

    # === BUSINESS METHODS === #

    def _get_recurring_monthly(self):
        """The monthly recurring revenue of this standing order now, in its
        company's currency (zero when it does not run)."""
        self.ensure_one()
        if self.state not in RUNNING_STATES:
            return 0.0
        return self.currency_id._convert(
            self.monthly_amount,
            self.company_currency_id,
            self.company_id,
            self._get_today(),
        )

    def _record_revenue_events(self):
        """Record a movement for each of these standing orders whose monthly
        recurring revenue differs from the one last recorded.

        Called after their state, interval or lines changed. The difference
        is measured against :attr:`recurring_monthly`, so the changes always
        add up to it, even when prices moved in between (the next movement
        then includes them).

        :return: the movements recorded
        """
        Event = self.env["sale.standing.order.revenue.event"].sudo()
        changes = []
        for standing in self:
            before = standing.recurring_monthly
            after = standing._get_recurring_monthly()
            if standing.company_currency_id.compare_amounts(after, before):
                changes.append((standing, before, after))
        if not changes:
            return Event
        restarted = [standing.id for standing, before, _after in changes if not before]
        ran_before = (
            {
                standing
                for (standing,) in Event._read_group(
                    [("standing_order_id", "in", restarted)], ["standing_order_id"]
                )
            }
            if restarted
            else set()
        )
        vals_list = []
        for standing, before, after in changes:
            event_type = standing._get_revenue_event_type(
                before, after, standing in ran_before
            )
            vals_list.append(
                {
                    **standing._prepare_revenue_event_values(event_type),
                    "mrr_change": after - before,
                    "mrr_after": after,
                }
            )
            standing.sudo().recurring_monthly = after
        return Event.create(vals_list)

    def _get_revenue_event_type(self, before, after, ran_before):
        """The kind of movement from ``before`` to ``after`` (monthly
        amounts): the state the standing order is now in tells a pause from
        a churn.

        :param bool ran_before: whether it counted for the revenue before
        """
        self.ensure_one()
        currency = self.company_currency_id
        if currency.is_zero(before):
            return "reactivation" if ran_before else "new"
        if currency.is_zero(after):
            if self.state == "paused":
                return "pause"
            if self.state in ("cancelled", "done"):
                return "churn"
        return "expansion" if after > before else "contraction"

    def _prepare_revenue_event_values(self, event_type):
        """Values of a movement of this standing order's recurring revenue
        (other than the amounts)."""
        self.ensure_one()
        return {
            "date": self._get_today(),
            "event_type": event_type,
            "standing_order_id": self.id,
            "partner_id": self.commercial_partner_id.id,
            "user_id": self.user_id.id,
            "team_id": self.team_id.id,
            "company_id": self.company_id.id,
            "cancel_reason_id": event_type == "churn" and self.cancel_reason_id.id,
        }

    @api.model
    def _init_recurring_revenue(self):
        """Give the standing orders that ran before the recurring revenue was
        recorded their "new" movement, dated the day they started.

        Runs at each update of the module; standing orders already recorded
        are left alone.
        """
        standing_orders = self.sudo().search(
            [
                ("state", "in", RUNNING_STATES),
                ("recurring_monthly", "=", 0),
                ("revenue_event_ids", "=", False),
            ]
        )
        events = standing_orders._record_revenue_events()
        standing_orders._date_new_revenue_events_at_start()
        return events

    def _date_new_revenue_events_at_start(self):
        """Date the "new" movements of these standing orders the day they
        started, when that is past: for movements recorded after the fact."""
        events = self.sudo().revenue_event_ids.filtered(
            lambda event: event.event_type == "new"
        )
        for event in events:
            started = event.standing_order_id._get_started_date()
            if started and started < event.date:
                event.date = started
