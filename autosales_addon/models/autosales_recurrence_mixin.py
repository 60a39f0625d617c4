from odoo import fields, models

# Occurrences whose days are computed together, at first (most callers need
# one or two) and at most.
SCHEDULE_CHUNK = 3
MAX_SCHEDULE_CHUNK = 64


class AutosalesRecurrenceMixin(models.AbstractModel):
    """Fixed-interval recurrence anchored to a date.

    Occurrence ``k`` falls on ``anchor_date + (k - anchor_index) * interval``:
    every date is computed from the anchor, never from the previous occurrence,
    so month ends do not drift (Jan 31 -> Feb 28 -> Mar 31 -> Apr 30 ...).
    Changing the interval or moving the next date re-anchors the schedule at the
    next occurrence, which keeps the same guarantee for what follows.

    The *day* of an occurrence is its date moved off the days nothing is
    ordered on (see :meth:`_shift_occurrence_dates`); moving one occurrence
    never moves the next ones, which are still computed from the anchor.
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

    def _shift_occurrence_dates(self, dates):
        """Hook: {occurrence date: the day it takes place}; by default every
        occurrence takes place on its date."""
        return {date: date for date in dates}

    def _iter_schedule(self, index=None):
        """Yield ``(index, occurrence date, day)`` of the occurrences from
        ``index`` (default: the next one) on, without end.

        An occurrence whose day is the day of the occurrence before it is
        left out (the days only move forward or only backward, so it can
        only meet the one just before): there is at most one occurrence a
        day. The occurrence before the first one counts when it belongs to
        the same anchoring (an occurrence before a re-anchoring never took
        place on the day the anchor gives it).
        """
        self.ensure_one()
        index = self.occurrence_index if index is None else index
        first = index - 1 if index > self.recurrence_anchor_index else index
        previous_day = None
        size = SCHEDULE_CHUNK
        while True:
            dates, error = [], None
            for position in range(first, first + size):
                try:
                    dates.append(self._get_occurrence_date(position))
                except (ValueError, OverflowError) as exc:
                    # Past the last date a calendar holds: raised when (and
                    # only if) that occurrence is asked for.
                    error = exc
                    break
            days = self._shift_occurrence_dates(dates)
            for position, date in enumerate(dates, start=first):
                day = days[date]
                if position >= index and day != previous_day:
                    yield position, date, day
                previous_day = day
            if error:
                raise error
            first += size
            size = min(size * 2, MAX_SCHEDULE_CHUNK)

    def _get_next_occurrence(self, count=0):
        """``(index, occurrence date, day)`` of the occurrence after the next
        ``count`` ones (the next one by default)."""
        for rank, occurrence in enumerate(self._iter_schedule()):
            if rank == count:
                return occurrence
        return None  # never reached: the schedule has no end

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
