from odoo import api, models


class AutosalesCalendarChangeMixin(models.AbstractModel):
    """Records of a working schedule (holidays, working hours) whose changes
    move the next orders of the standing orders they concern at once.

    Inheriting models say which standing orders their records concern in
    ``_autosales_get_standing_orders``.
    """

    _name = "autosales.calendar.change.mixin"
    _description = "Schedule Change Moving Standing Orders"

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._autosales_get_standing_orders()._reschedule()
        return records

    def write(self, vals):
        # The standing orders concerned before the change, and after it.
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
        """Standing orders whose next order these records may move."""
        return self.env["sale.standing.order"]
