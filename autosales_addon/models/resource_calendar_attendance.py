from odoo import api, models


class ResourceCalendarAttendance(models.Model):
    _inherit = "resource.calendar.attendance"

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        attendances = super().create(vals_list)
        attendances._autosales_get_standing_orders()._reschedule()
        return attendances

    def write(self, vals):
        # A day that opens pulls a moved order back; a day that closes moves it.
        standing_orders = self._autosales_get_standing_orders()
        res = super().write(vals)
        (standing_orders | self._autosales_get_standing_orders())._reschedule()
        return res

    def unlink(self):
        standing_orders = self._autosales_get_standing_orders()
        res = super().unlink()
        standing_orders._reschedule()
        return res

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
