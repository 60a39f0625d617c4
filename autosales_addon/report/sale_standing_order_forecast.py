from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields, models
from odoo.tools import SQL

from ..models.res_company import MAX_SHIFT_DAYS

HORIZON = relativedelta(years=1)
# Standing orders in the forecast: the running ones, and those stopped for a
# while (paused by the customer, or in exception), as if they resumed today.
FORECAST_STATES = ("active", "paused", "exception")
# The delivery days of a standing order's customer as a bit mask (bit 0 for
# Monday), to look up how its occurrences move.
DELIVERY_DAYS_MASK = SQL(
    """
    SELECT COALESCE(SUM(1 << w.dayofweek), 0)::int AS mask
      FROM autosales_partner_delivery_weekday_rel rel
      JOIN autosales_weekday w ON w.id = rel.weekday_id
     WHERE rel.partner_id = so.commercial_partner_id
    """
)


class SaleStandingOrderForecast(models.Model):
    """The orders the running standing orders will generate over the coming
    year (from today in the user's time zone), one row per standing order
    line and occurrence.

    Paused standing orders and those in exception are listed too, with
    their state, as if they resumed today: a paused one from its first
    order of today or later (resuming skips the orders of the pause), one
    in exception from its next order on.

    Amounts are estimated from today's prices (the agreed unit price, else
    the pricelist's price today), in the current company's currency at
    today's rate, so that the companies selected together add up; each row
    is flagged when its product will be short in its warehouse on that day
    (see ``autosales.stock.shortfall``).

    The occurrence of an order prepared ahead and waiting for the customer
    counts the quantities of that order, as the customer may have changed
    them.

    Every occurrence is computed as the scheduled action computes it, from
    the standing order's recurrence anchor (PostgreSQL adds months and years
    the way ``relativedelta`` does: Jan 31 + 1 month is Feb 28), and the end
    of each standing order (a date or a number of orders) is respected. The
    quantities are in the product's unit of measure, so they add up per
    product.

    Occurrences are shown on the day they take place: moved off the closed
    days of the company, or to the delivery days of the customer. Where
    they move is decided in Python, by the same code as the scheduled
    action, once per company and set of delivery days for every date of
    the horizon; the query joins that (small) table of moved dates, and
    leaves out the occurrences moved onto the day of the one before, as the
    schedule does.
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
            "warehouse_id",
            "prepared_order_id",
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
        "sale.order": [
            "standing_order_date",
            "autosales_preview_state",
        ],
        "sale.order.line": [
            "order_id",
            "standing_order_line_id",
            "product_uom_qty",
            "product_uom",
        ],
        "sale.standing.order.line": [
            "standing_order_id",
            "product_id",
            "product_uom_qty",
            "product_uom",
            "price_unit",
        ],
        "autosales.stock.shortfall": ["product_id", "warehouse_id", "date"],
        "product.product": ["product_tmpl_id"],
        "product.template": ["categ_id", "uom_id"],
        "uom.uom": ["factor"],
        "res.partner": ["autosales_delivery_weekday_ids"],
        "autosales.weekday": ["dayofweek"],
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
    state = fields.Selection(
        selection=[
            ("active", "Active"),
            ("paused", "Paused"),
            ("exception", "Exception"),
        ],
        string="Standing Order Status",
        readonly=True,
        help="Paused standing orders and standing orders in exception are "
        "forecast as if they resumed today; they may not.",
    )
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount = fields.Monetary(
        string="Estimated Amount",
        readonly=True,
        help="Untaxed amount estimated from today's prices (the agreed unit price, "
        "else the pricelist's price today), in the current company's currency at "
        "today's rate. The orders are priced on the day they are made.",
    )
    shortfall = fields.Boolean(
        string="Short of Stock",
        readonly=True,
        help="By this day, the standing orders need more of the product than the "
        "warehouse will have: on hand, plus receipts, less deliveries planned.",
    )

    def _get_moved_dates(self, until):
        """The occurrence dates up to ``until`` that move, for each company
        and set of customer delivery days of the running standing orders.

        :return: four lists of the same length (the columns company id,
            delivery days mask, date and day), only dates whose day differs
        """
        self.env["sale.standing.order"].flush_model(
            ["state", "company_id", "commercial_partner_id", "next_date"]
        )
        self.env["res.partner"].flush_model(["autosales_delivery_weekday_ids"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT so.company_id, days.mask, MIN(so.next_date)
                  FROM sale_standing_order so
                 CROSS JOIN LATERAL (%s) AS days
                 WHERE so.state IN %s
              GROUP BY so.company_id, days.mask
                """,
                DELIVERY_DAYS_MASK,
                FORECAST_STATES,
            )
        )
        reach = timedelta(days=MAX_SHIFT_DAYS)
        # Occurrences overdue for longer than a horizon keep their dates.
        earliest = fields.Date.context_today(self) - HORIZON
        columns = ([], [], [], [])
        for company_id, mask, first in rows:
            company = self.env["res.company"].sudo().browse(company_id)
            if company.autosales_date_shift == "none" and not mask:
                continue
            start = max(first, earliest) - reach
            dates = [
                start + timedelta(days=offset)
                for offset in range((until + reach - start).days + 1)
            ]
            weekdays = [day for day in range(7) if mask & (1 << day)]
            for date, day in company._autosales_shift_dates(dates, weekdays).items():
                if day != date:
                    for column, value in zip(
                        columns, (company_id, mask, date, day), strict=True
                    ):
                        column.append(value)
        return columns

    def _get_line_amounts(self):
        """The amount of one order of each line of the forecast standing
        orders, at today's prices, in the current company's currency (at its
        rate of today, as Odoo's analyses convert).

        :return: two lists of the same length (line ids, amounts)
        """
        lines = (
            self.env["sale.standing.order.line"]
            .sudo()
            .search([("standing_order_id.state", "in", FORECAST_STATES)])
        )
        # Prices depend on pricelists the lines do not know of: fresh ones.
        lines.invalidate_recordset(["estimated_price_unit", "price_subtotal"])
        today = fields.Date.context_today(self)
        company = self.env.company
        amounts = [
            line.currency_id._convert(
                line.price_subtotal, company.currency_id, company, today
            )
            if line.currency_id
            else line.price_subtotal
            for line in lines
        ]
        return lines.ids, amounts

    @property
    def _table_query(self):
        today = fields.Date.context_today(self)
        until = today + HORIZON
        company_ids, masks, dates, days = self._get_moved_dates(until)
        line_ids, amounts = self._get_line_amounts()
        return SQL(
            """
            WITH moved AS (
                SELECT *
                  FROM unnest(%(company_ids)s::int[], %(masks)s::int[],
                              %(dates)s::date[], %(days)s::date[])
                    AS moved(company_id, mask, date, day)
            ),
            price AS (
                SELECT *
                  FROM unnest(%(line_ids)s::int[], %(amounts)s::numeric[])
                    AS price(line_id, amount)
            ),
            occurrence AS (
                SELECT so.id AS standing_order_id,
                       so.state AS state,
                       step.k AS k,
                       occ.date AS date,
                       COALESCE(moved.day, occ.date) AS day
                  FROM sale_standing_order so
                 CROSS JOIN LATERAL (%(mask)s) AS days
                 -- Enough steps to reach the horizon from the next order,
                 -- however overdue it is (one more than the whole units in
                 -- between), and the occurrences after it that may move
                 -- back into it.
                 CROSS JOIN LATERAL (
                       SELECT so.next_date - %(reach)s AS first,
                              %(until)s + %(reach)s AS last
                       ) AS bounds
                 CROSS JOIN LATERAL (
                       SELECT age(bounds.last, bounds.first) AS span
                       ) AS horizon
                 CROSS JOIN LATERAL generate_series(
                       0,
                       CASE so.interval_type
                           WHEN 'day' THEN bounds.last - bounds.first
                           WHEN 'week' THEN (bounds.last - bounds.first) / 7
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
                  LEFT JOIN moved ON moved.company_id = so.company_id
                                 AND moved.mask = days.mask
                                 AND moved.date = occ.date
                 WHERE so.state IN %(states)s
                   AND occ.date <= %(until)s + %(reach)s
                   AND (so.end_type != 'date' OR occ.date <= so.end_date)
            ),
            -- One order a day: an occurrence moved onto the day of the one
            -- before is left out. Resuming a paused standing order skips the
            -- orders before today.
            kept AS (
                SELECT occurrence.*,
                       ROW_NUMBER() OVER (
                           PARTITION BY standing_order_id ORDER BY k) - 1 AS rank
                  FROM (
                       SELECT occurrence.*,
                              LAG(day) OVER (
                                  PARTITION BY standing_order_id ORDER BY k
                              ) AS previous_day
                         FROM occurrence
                       ) AS occurrence
                 WHERE previous_day IS DISTINCT FROM day
                   AND (state != 'paused' OR day >= %(today)s)
            )
            -- One id per line and step: the step takes the low 32 bits.
            SELECT (l.id::bigint << 32) + kept.k AS id,
                   kept.day AS date,
                   COALESCE(so.occurrence_index, 0) + kept.k + 1 AS occurrence,
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
                   COALESCE(prepared.qty, l.product_uom_qty)
                       / line_uom.factor * product_uom.factor AS product_qty,
                   so.state AS state,
                   so.warehouse_id AS warehouse_id,
                   %(currency_id)s AS currency_id,
                   CASE WHEN prepared.qty IS NULL THEN COALESCE(price.amount, 0)
                        WHEN l.product_uom_qty = 0 THEN 0
                        ELSE COALESCE(price.amount, 0)
                             * prepared.qty / l.product_uom_qty
                   END AS amount,
                   COALESCE(kept.day >= shortfall.date, FALSE) AS shortfall
              FROM kept
              JOIN sale_standing_order so ON so.id = kept.standing_order_id
              JOIN sale_standing_order_line l ON l.standing_order_id = so.id
              JOIN product_product p ON p.id = l.product_id
              JOIN product_template t ON t.id = p.product_tmpl_id
              JOIN uom_uom line_uom ON line_uom.id = l.product_uom
              JOIN uom_uom product_uom ON product_uom.id = t.uom_id
              LEFT JOIN price ON price.line_id = l.id
              -- The order prepared for this occurrence and waiting for the
              -- customer: its quantities (as the customer changed them, in
              -- the line's unit), none for a line dropped from it.
              LEFT JOIN LATERAL (
                    SELECT COALESCE(SUM(
                               sol.product_uom_qty / sol_uom.factor * line_uom.factor
                           ), 0) AS qty
                      FROM sale_order prepared_order
                      LEFT JOIN sale_order_line sol
                             ON sol.order_id = prepared_order.id
                            AND sol.standing_order_line_id = l.id
                      LEFT JOIN uom_uom sol_uom ON sol_uom.id = sol.product_uom
                     WHERE prepared_order.id = so.prepared_order_id
                       AND prepared_order.autosales_preview_state = 'waiting'
                       AND prepared_order.standing_order_date = kept.date
                  GROUP BY prepared_order.id
              ) AS prepared ON TRUE
              LEFT JOIN autosales_stock_shortfall shortfall
                     ON shortfall.product_id = l.product_id
                    AND shortfall.warehouse_id = so.warehouse_id
             WHERE kept.day < %(until)s
               AND (so.end_type != 'count'
                    OR COALESCE(so.generated_count, 0) + kept.rank < so.max_occurrences)
            """,
            today=today,
            until=until,
            states=FORECAST_STATES,
            reach=MAX_SHIFT_DAYS,
            mask=DELIVERY_DAYS_MASK,
            company_ids=company_ids,
            masks=masks,
            dates=dates,
            days=days,
            line_ids=line_ids,
            amounts=amounts,
            currency_id=self.env.company.currency_id.id,
        )
