from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class AutosalesIntervalMixin(models.AbstractModel):
    """A fixed interval: every N days, weeks, months or years."""

    _name = "autosales.interval.mixin"
    _description = "Fixed Interval"

    interval_number = fields.Integer(
        string="Repeat Every",
        default=1,
        required=True,
    )
    interval_type = fields.Selection(
        selection=[
            ("day", "Days"),
            ("week", "Weeks"),
            ("month", "Months"),
            ("year", "Years"),
        ],
        string="Interval Unit",
        default="month",
        required=True,
    )

    # === CONSTRAINT METHODS === #

    @api.constrains("interval_number")
    def _check_interval_number(self):
        for record in self:
            if record.interval_number < 1:
                raise ValidationError(
                    self.env._(
                        "The interval must be at least 1 (got %s).",
                        record.interval_number,
                    )
                )

    # === BUSINESS METHODS === #

    def _get_recurrence_delta(self, count=1):
        """Return the ``relativedelta`` of ``count`` intervals."""
        self.ensure_one()
        return relativedelta(**{f"{self.interval_type}s": self.interval_number * count})

    def _get_interval_label(self):
        """Human label of the interval, e.g. "Every 2 months"."""
        self.ensure_one()
        number = self.interval_number
        if number == 1:
            labels = {
                "day": self.env._("Every day"),
                "week": self.env._("Every week"),
                "month": self.env._("Every month"),
                "year": self.env._("Every year"),
            }
        else:
            labels = {
                "day": self.env._("Every %s days", number),
                "week": self.env._("Every %s weeks", number),
                "month": self.env._("Every %s months", number),
                "year": self.env._("Every %s years", number),
            }
        return labels[self.interval_type]
