from dateutil.relativedelta import relativedelta

from odoo import fields, models
from odoo.tools import SQL

HORIZON = relativedelta(years=1)


class SaleStandingOrderForecast(models.Model):
    """The orders the running standing orders will generate over the coming
    year (from today in the user's time zone), one row per standing order
    line and occurrence.

    Every occurrence is computed as the scheduled action computes it, from
    the standing order's recurrence anchor (PostgreSQL adds months and years
    the way ``relativedelta`` does: Jan 31 + 1 month is Feb 28), and the end
    of each standing order (a date or a number of orders) is respected. The
    quantities are in the product's unit of measure, so they add up per
    product.
    """

    _name = "sale.standing.order.forecast"
    _description = "Standing Order Forecast"
    _auto = False
    _order = "date, standing_order_id, id"
    _rec_name = "standing_order_id"
    # What the query reads, flushed to the database before each search.
    _depends = {
        "sale.standing.order": [
            "state",
            "next_date",
            "partner_id",
            "commercial_partner_id",
            "user_id",
            "team_id",
            "company_id",
            "interval_number",
            "interval_type",
            "recurrence_anchor_date",
            "recurrence_anchor_index",
            "occurrence_index",
            "end_type",
            "end_date",
            "generated_count",
            "max_occurrences",
        ],
        "sale.standing.order.line": [
            "standing_order_id",
            "product_id",
            "product_uom_qty",
            "product_uom",
        ],
        "product.product": ["product_tmpl_id"],
        "product.template": ["categ_id", "uom_id"],
        "uom.uom": ["factor"],
    }

    date = fields.Date(string="Order Date", readonly=True)
    occurrence = fields.Integer(
        string="Order No.",
        readonly=True,
        aggregator=None,
        help="Rank of this order in its standing order (1 for the first one).",
    )
    standing_order_id = fields.Many2one("sale.standing.order", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    commercial_partner_id = fields.Many2one(
        "res.partner", string="Commercial Entity", readonly=True
    )
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    product_tmpl_id = fields.Many2one(
        "product.template", string="Product Template", readonly=True
    )
    categ_id = fields.Many2one(
        "product.category", string="Product Category", readonly=True
    )
    product_uom_id = fields.Many2one("uom.uom", string="Unit of Measure", readonly=True)
    product_qty = fields.Float(
        string="Quantity", digits="Product Unit of Measure", readonly=True
    )

    @property
    def _table_query(self):
        until = fields.Date.context_today(self) + HORIZON
        return SQL(
            """
            -- One id per line and step: the step takes the low 32 bits.
            SELECT (l.id::bigint << 32) + step.k AS id,
                   occ.date AS date,
                   COALESCE(so.occurrence_index, 0) + step.k + 1 AS occurrence,
                   so.id AS standing_order_id,
                   so.partner_id AS partner_id,
                   so.commercial_partner_id AS commercial_partner_id,
                   so.user_id AS user_id,
                   so.team_id AS team_id,
                   so.company_id AS company_id,
                   l.product_id AS product_id,
                   p.product_tmpl_id AS product_tmpl_id,
                   t.categ_id AS categ_id,
                   t.uom_id AS product_uom_id,
                   l.product_uom_qty / line_uom.factor * product_uom.factor
                       AS product_qty
              FROM sale_standing_order so
              JOIN sale_standing_order_line l ON l.standing_order_id = so.id
              JOIN product_product p ON p.id = l.product_id
              JOIN product_template t ON t.id = p.product_tmpl_id
              JOIN uom_uom line_uom ON line_uom.id = l.product_uom
              JOIN uom_uom product_uom ON product_uom.id = t.uom_id
             -- Enough steps to reach the horizon from the next order, however
             -- overdue it is (one more than the whole units in between).
             CROSS JOIN LATERAL (
                   SELECT age(%(until)s, so.next_date) AS span
                   ) AS horizon
             CROSS JOIN LATERAL generate_series(
                   0,
                   CASE so.interval_type
                       WHEN 'day' THEN %(until)s - so.next_date
                       WHEN 'week' THEN (%(until)s - so.next_date) / 7
                       WHEN 'month' THEN EXTRACT(YEAR FROM horizon.span)::int * 12
                                         + EXTRACT(MONTH FROM horizon.span)::int
                       ELSE EXTRACT(YEAR FROM horizon.span)::int
                   END / so.interval_number + 1
                   ) AS step(k)
             CROSS JOIN LATERAL (
                   SELECT (so.recurrence_anchor_date + n * CASE so.interval_type
                              WHEN 'day' THEN INTERVAL '1 day'
                              WHEN 'week' THEN INTERVAL '1 week'
                              WHEN 'month' THEN INTERVAL '1 month'
                              ELSE INTERVAL '1 year' END)::date AS date
                     FROM (SELECT (COALESCE(so.occurrence_index, 0) + step.k
                                   - COALESCE(so.recurrence_anchor_index, 0))
                                  * so.interval_number AS n) AS intervals
                   ) AS occ
             WHERE so.state = 'active'
               AND occ.date < %(until)s
               AND (so.end_type != 'date' OR occ.date <= so.end_date)
               AND (so.end_type != 'count'
                    OR COALESCE(so.generated_count, 0) + step.k < so.max_occurrences)
            """,
            until=until,
        )
