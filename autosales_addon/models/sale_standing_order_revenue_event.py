from odoo import fields, models

EVENT_TYPES = [
    ("new", "New"),
    ("expansion", "Expansion"),
    ("contraction", "Contraction"),
    ("pause", "Pause"),
    ("reactivation", "Reactivation"),
    ("churn", "Churn"),
]


class SaleStandingOrderRevenueEvent(models.Model):
    """A movement of the monthly recurring revenue (MRR): one standing order
    started, grew, shrank, paused, ran again or stopped on a day.

    The movements are facts recorded by the standing orders themselves (see
    ``sale.standing.order._record_revenue_events``), never entered by hand:
    the MRR on any day is the sum of the changes up to that day, so the
    report adds up by month, customer, salesperson or reason. Amounts are in
    the currency of the standing order's company; the report
    (``sale.standing.order.revenue.report``) converts them into the current
    company's currency, so that companies of different currencies add up.
    """

    _name = "sale.standing.order.revenue.event"
    _description = "Recurring Revenue Movement"
    _order = "date desc, id desc"
    _rec_name = "standing_order_id"
    _check_company_auto = True

    date = fields.Date(required=True, readonly=True, index=True)
    event_type = fields.Selection(
        selection=EVENT_TYPES,
        string="Movement",
        required=True,
        readonly=True,
        help="New: a standing order started to run. Expansion or contraction: "
        "its monthly amount changed (products, quantities, interval). Pause and "
        "reactivation: it was paused, or ran again after a pause or a "
        "cancellation. Churn: it was cancelled or reached its end.",
    )
    # Deleting a standing order is only allowed before it generated anything:
    # its movements were never revenue and go with it.
    standing_order_id = fields.Many2one(
        "sale.standing.order",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True, index=True
    )
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    mrr_change = fields.Monetary(
        string="MRR Change",
        readonly=True,
        help="How much the monthly recurring revenue moved (negative when it "
        "went down).",
    )
    mrr_after = fields.Monetary(
        string="MRR After",
        readonly=True,
        aggregator=None,
        help="Monthly recurring revenue of the standing order after the movement.",
    )
    cancel_reason_id = fields.Many2one(
        "autosales.cancel.reason",
        string="Cancellation Reason",
        readonly=True,
        ondelete="restrict",
    )
