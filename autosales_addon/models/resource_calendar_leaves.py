from datetime import timedelta

from odoo import models
from odoo.osv import expression

from .res_company import MAX_SHIFT_DAYS


class ResourceCalendarLeaves(models.Model):
    _name = "resource.calendar.leaves"
    _inherit = ["resource.calendar.leaves", "autosales.calendar.change.mixin"]

    # === BUSINESS METHODS === #

    def _autosales_get_standing_orders(self):
        """Standing orders whose next order may fall in (or next to) these
        public holidays, in companies that move orders off closed days."""
        holidays = self.filtered(lambda leave: not leave.resource_id)
        if not holidays:
            return self.env["sale.standing.order"]
        companies = (
            self.env["res.company"]
            .sudo()
            .search([("autosales_date_shift", "!=", "none")])
        )
        StandingOrder = self.env["sale.standing.order"].sudo()
        domains = []
        for leave in holidays:
            affected = companies.filtered(
                lambda company, leave=leave: (
                    not leave.company_id or leave.company_id == company
                )
                and (
                    not leave.calendar_id
                    or leave.calendar_id == company.resource_calendar_id
                )
            )
            if not affected:
                continue
            reach = timedelta(days=MAX_SHIFT_DAYS)
            domains.append(
                [
                    ("company_id", "in", affected.ids),
                    ("next_date", ">=", leave.date_from.date() - reach),
                    ("next_date", "<=", leave.date_to.date() + reach),
                ]
            )
        if not domains:
            return StandingOrder
        return StandingOrder.search(
            expression.AND(
                [
                    [("state", "in", ("draft", "active", "paused", "exception"))],
                    expression.OR(domains),
                ]
            )
        )
