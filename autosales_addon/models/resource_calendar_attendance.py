from odoo import models


class ResourceCalendarAttendance(models.Model):
    _name = "resource.calendar.attendance"
    _inherit = ["resource.calendar.attendance", "autosales.calendar.change.mixin"]

    # === BUSINESS METHODS === #

    def _autosales_get_standing_orders(self):
        """Standing orders of the companies working on the schedules of these
        working hours, when they move orders off closed days."""
        calendars = self.calendar_id
        if not calendars:
            return self.env["sale.standing.order"]
        return (
            self.env["sale.standing.order"]
            .sudo()
            .search(
                [
                    ("company_id.resource_calendar_id", "in", calendars.ids),
                    ("company_id.autosales_date_shift", "!=", "none"),
                    ("state", "in", ("draft", "active", "paused", "exception")),
                ]
            )
        )
