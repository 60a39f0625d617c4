from odoo import api, fields, models
from odoo.tools import SQL

from ..models.sale_standing_order_revenue_event import EVENT_TYPES


class SaleStandingOrderRevenueReport(models.Model):
    """The movements of the monthly recurring revenue (MRR) as the Recurring
    Revenue report adds them up: one row per
    ``sale.standing.order.revenue.event``, its amounts converted from its
    company's currency into the current company's currency at today's rate.

    The movements stay in their company's currency, as recorded; converted
    per request, as Odoo's sales and invoice analyses convert theirs (see
    ``res.currency._get_simple_currency_table``), the companies selected
    together add up in one currency. Only the movements of the selected
    companies are read.
    """

    _name = "sale.standing.order.revenue.report"
    _description = "Recurring Revenue Analysis"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "standing_order_id"
    # What the query reads, flushed to the database before each search.
    _depends = {
        "sale.standing.order.revenue.event": [
            "date",
            "event_type",
            "standing_order_id",
            "partner_id",
            "user_id",
            "team_id",
            "company_id",
            "mrr_change",
            "mrr_after",
            "cancel_reason_id",
        ],
        "res.company": ["currency_id"],
        "res.currency.rate": ["currency_id", "company_id", "name", "rate"],
    }

    date = fields.Date(readonly=True)
    event_type = fields.Selection(
        selection=EVENT_TYPES,
        string="Movement",
        readonly=True,
        help="New: a standing order started to run. Expansion or contraction: "
        "its monthly amount changed (products, quantities, interval). Pause and "
        "reactivation: it was paused, or ran again after a pause or a "
        "cancellation. Churn: it was cancelled or reached its end.",
    )
    standing_order_id = fields.Many2one("sale.standing.order", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    cancel_reason_id = fields.Many2one(
        "autosales.cancel.reason", string="Cancellation Reason", readonly=True
    )
    currency_id = fields.Many2one(
        "res.currency", compute="_compute_currency_id", readonly=True
    )
    mrr_change = fields.Monetary(
        string="MRR Change",
        readonly=True,
        help="How much the monthly recurring revenue moved (negative when it "
        "went down), in the current company's currency at today's rate.",
    )
    mrr_after = fields.Monetary(
        string="MRR After",
        readonly=True,
        aggregator=None,
        help="Monthly recurring revenue of the standing order after the "
        "movement, in the current company's currency at today's rate.",
    )
    company_currency_id = fields.Many2one("res.currency", readonly=True)
    company_mrr_change = fields.Monetary(
        string="MRR Change in Company Currency",
        currency_field="company_currency_id",
        readonly=True,
        # Companies of different currencies: their sum would mean nothing.
        aggregator=None,
        help="The movement as recorded, in the currency of the standing "
        "order's company.",
    )

    # === COMPUTE METHODS === #

    @api.depends_context("allowed_company_ids")
    def _compute_currency_id(self):
        self.currency_id = self.env.company.currency_id

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT event.id AS id,
                   event.date AS date,
                   event.event_type AS event_type,
                   event.standing_order_id AS standing_order_id,
                   event.partner_id AS partner_id,
                   event.user_id AS user_id,
                   event.team_id AS team_id,
                   event.company_id AS company_id,
                   event.cancel_reason_id AS cancel_reason_id,
                   event.mrr_change * account_currency_table.rate AS mrr_change,
                   event.mrr_after * account_currency_table.rate AS mrr_after,
                   company.currency_id AS company_currency_id,
                   event.mrr_change AS company_mrr_change
              FROM sale_standing_order_revenue_event event
              JOIN res_company company ON company.id = event.company_id
              JOIN %(currency_table)s
                ON account_currency_table.company_id = event.company_id
            """,
            currency_table=self.env["res.currency"]._get_simple_currency_table(
                self.env.companies
            ),
        )
