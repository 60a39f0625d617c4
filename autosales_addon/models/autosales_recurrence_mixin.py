from odoo import fields, models


class AutosalesRecurrenceMixin(models.AbstractModel):
    """Fixed-interval recurrence anchored to a date.

    Occurrence ``k`` falls on ``anchor_date + (k - anchor_index) * interval``:
    every date is computed from the anchor, never from the previous occurrence,
    so month ends do not drift (Jan 31 -> Feb 28 -> Mar 31 -> Apr 30 ...).
    Changing the interval or moving the next date re-anchors the schedule at the
    next occurrence, which keeps the same guarantee for what follows.
    """

    _name = "autosales.recurrence.mixin"
    _inherit = ["autosales.interval.mixin"]
    _description = "Recurrence (fixed interval, anchored)"

    recurrence_anchor_date = fields.Date(copy=False, readonly=True)
    recurrence_anchor_index = fields.Integer(copy=False, readonly=True)
    occurrence_index = fields.Integer(
        string="Occurrences Passed",
        copy=False,
        readonly=True,
        help="Number of occurrences already generated or skipped.",
    )

    # === BUSINESS METHODS === #

    def _get_occurrence_date(self, index):
        """Return the date of occurrence ``index`` (0-based since the start)."""
        self.ensure_one()
        return self.recurrence_anchor_date + self._get_recurrence_delta(
            index - self.recurrence_anchor_index
        )

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
