from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class AutosalesRecurrenceMixin(models.AbstractModel):
    """Fixed-interval recurrence anchored to a date.

    Occurrence ``k`` falls on ``anchor_date + (k - anchor_index) * interval``:
    every date is computed from the anchor, never from the previous occurrence,
    so month ends do not drift (Jan 31 -> Feb 28 -> Mar 31 -> Apr 30 ...).
    Changing the interval or moving the next date re-anchors the schedule at the
    next occurrence, which keeps the same guarantee for what follows.
    """

    _name = "autosales.recurrence.mixin"
    _description = "Recurrence (fixed interval)"

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
    recurrence_anchor_date = fields.Date(copy=False, readonly=True)
    recurrence_anchor_index = fields.Integer(copy=False, readonly=True)
    occurrence_index = fields.Integer(
        string="Occurrences Passed",
        copy=False,
        readonly=True,
        help="Number of occurrences already generated or skipped.",
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

    def _get_occurrence_date(self, index):
        """Return the date of occurrence ``index`` (0-based since the start)."""
        self.ensure_one()
        return self.recurrence_anchor_date + self._get_recurrence_delta(
            index - self.recurrence_anchor_index
        )

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

    def _recurrence_anchor_values(self, anchor_date, anchor_index=None):
        """Values that re-anchor the schedule so occurrence ``anchor_index``
        (default: the next one) falls on ``anchor_date``."""
        self.ensure_one()
        if anchor_index is None:
            anchor_index = self.occurrence_index
        return {
            "recurrence_anchor_date": anchor_date,
            "recurrence_anchor_index": anchor_index,
        }
