from collections import defaultdict

from odoo import models
from odoo.tools import format_date

from ..models.autosales_stock_shortfall import SHORTFALL_STATES


class StockForecasted(models.AbstractModel):
    _inherit = "stock.forecasted_product_product"

    def _get_report_header(self, product_template_ids, product_ids, wh_location_ids):
        res = super()._get_report_header(
            product_template_ids, product_ids, wh_location_ids
        )
        res["autosales_planned"] = self._autosales_get_planned(
            product_template_ids, product_ids
        )
        return res

    def _autosales_get_planned(self, product_template_ids, product_ids):
        """The quantities the standing orders (running, or in exception) will
        order, per day, in the warehouse of the report (all warehouses
        without one). They reserve nothing: the orders are made on those
        days.

        :return: a dict: ``total``, ``lines`` (``date``, ``quantity``,
            ``shortfall``, one per day) and ``shortfall_date`` (the first
            day short, formatted, or ``False``)
        """
        if product_template_ids:
            product_domain = [("product_tmpl_id", "in", product_template_ids)]
        else:
            product_domain = [("product_id", "in", product_ids)]
        domain = product_domain + [
            ("state", "in", SHORTFALL_STATES),
            ("company_id", "in", self.env.companies.ids),
        ]
        if warehouse_id := self.env["stock.warehouse"]._get_warehouse_id_from_context():
            domain.append(("warehouse_id", "=", warehouse_id))
        # Stock users may not be salespeople: the quantities, not the
        # standing orders, are shown.
        Forecast = self.env["sale.standing.order.forecast"].sudo()
        per_day = defaultdict(lambda: [0.0, False])
        for day, shortfall, quantity in Forecast._read_group(
            domain, ["date:day", "shortfall"], ["product_qty:sum"]
        ):
            per_day[day][0] += quantity
            per_day[day][1] |= shortfall
        lines = [
            {
                "date": format_date(self.env, day),
                "quantity": quantity,
                "shortfall": shortfall,
            }
            for day, (quantity, shortfall) in sorted(per_day.items())
        ]
        return {
            "total": sum(line["quantity"] for line in lines),
            "lines": lines,
            "shortfall_date": next(
                (line["date"] for line in lines if line["shortfall"]), False
            ),
        }
