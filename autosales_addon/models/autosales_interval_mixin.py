from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

# Longest interval in each unit: five years. Beyond, a schedule "until further
# notice" soon runs past the last date a computer calendar holds.
MAX_INTERVAL = {"day": 1826, "week": 260, "month": 60, "year": 5}
# An average month of the Gregorian calendar (365.25 days a year / 12): what
# a day or week interval is normalised to a month with.
DAYS_PER_MONTH = 30.4375


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
    interval_label = fields.Char(
        string="Repeats",
        compute="_compute_interval_label",
        help="How often, in words.",
    )

    # === COMPUTE METHODS === #

    @api.depends("interval_number", "interval_type")
    @api.depends_context("lang")
    def _compute_interval_label(self):
        for record in self:
            record.interval_label = (
                record._get_interval_label()
                if record.interval_number and record.interval_type
                else False
            )

    # === CONSTRAINT METHODS === #

    @api.constrains("interval_number", "interval_type")
    def _check_interval_number(self):
        for record in self:
            if error := record._get_interval_error(
                record.interval_number, record.interval_type
            ):
                raise ValidationError(error)

    # === BUSINESS METHODS === #

    @api.model
    def _get_interval_error(self, number, unit):
        """Why ``number`` ``unit`` is not a valid interval, or ''."""
        maximum = MAX_INTERVAL.get(unit)
        if maximum is None:
            return self.env._("Choose an interval in days, weeks, months or years.")
        if 1 <= number <= maximum:
            return ""
        if unit == "day":
            return self.env._(
                "The interval must be between 1 and %(max)s days (five years at "
                "most); got %(number)s.",
                max=maximum,
                number=number,
            )
        if unit == "week":
            return self.env._(
                "The interval must be between 1 and %(max)s weeks (five years at "
                "most); got %(number)s.",
                max=maximum,
                number=number,
            )
        if unit == "month":
            return self.env._(
                "The interval must be between 1 and %(max)s months (five years at "
                "most); got %(number)s.",
                max=maximum,
                number=number,
            )
        return self.env._(
            "The interval must be between 1 and %(max)s years (five years at most); "
            "got %(number)s.",
            max=maximum,
            number=number,
        )

    def _get_recurrence_delta(self, count=1):
        """Return the ``relativedelta`` of ``count`` intervals."""
        self.ensure_one()
        return relativedelta(**{f"{self.interval_type}s": self.interval_number * count})

    def _get_monthly_factor(self):
        """How many times per month the interval repeats, on average: what an
        amount per occurrence is multiplied by to make a monthly amount.

        Months and years are exact (every 2 months: 1/2; every year: 1/12);
        days and weeks use an average month of :data:`DAYS_PER_MONTH` days,
        so that every week is 30.4375 / 7 = 4.348 times a month.
        """
        self.ensure_one()
        number = self.interval_number
        if not number or self.interval_type not in MAX_INTERVAL:
            return 0.0
        days = {"day": 1, "week": 7}.get(self.interval_type)
        if days:
            return DAYS_PER_MONTH / (days * number)
        return 1 / (number * (12 if self.interval_type == "year" else 1))

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
