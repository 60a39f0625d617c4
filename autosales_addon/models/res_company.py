from datetime import datetime, time, timedelta

from pytz import timezone

from odoo import api, fields, models
from odoo.exceptions import ValidationError

INVOICING_MODES = [
    ("manual", "Manually"),
    ("on_order", "When the order is confirmed"),
    ("on_delivery", "When the order is delivered"),
]
PREVIEW_POLICIES = [
    ("proceed", "Confirm it on its date"),
    ("hold", "Wait for the customer"),
]
# Longest preparation ahead of an order: a quotation priced a year ahead
# would promise prices nobody can hold.
MAX_PREVIEW_DAYS = 90
DATE_SHIFTS = [
    ("none", "Keep the date"),
    ("next", "Move to the next working day"),
    ("previous", "Move to the previous working day"),
]
# How far an order date is moved at most to reach a working day (a delivery
# day of the customer); a calendar closed longer leaves the date as it is.
MAX_SHIFT_DAYS = 31


class ResCompany(models.Model):
    _inherit = "res.company"

    autosales_notice_days = fields.Integer(
        string="Upcoming Order Notice (days)",
        default=3,
        help="Days before each standing-order occurrence the customer is told it is "
        "coming, with a link to skip or change it. 0 disables the notice.",
    )
    autosales_payment_retry_days = fields.Char(
        string="Payment Retries (days)",
        default="1,3,7",
        help="Comma-separated days after a refused payment when it is tried again. "
        "After the last retry the order is cancelled.",
    )

    autosales_webshop_shipping_email = fields.Boolean(
        string="Shipping Confirmation for Webshop Orders",
        default=True,
        help="Email the customer when the delivery of an order placed in the webshop "
        "(or of a standing order) is validated, even where Inventory's delivery "
        "confirmation emails are off.",
    )

    autosales_invoicing_mode = fields.Selection(
        selection=INVOICING_MODES,
        string="Invoice Standing Orders",
        default="manual",
        required=True,
        help="Default invoicing of new standing orders. Manually: from Sales › To "
        "Invoice, as other orders. When confirmed: each order is invoiced, and the "
        "invoice sent, right after its confirmation (ordered quantities). When "
        "delivered: each order is invoiced once its delivery is validated "
        "(delivered quantities), by a daily scheduled action.",
    )
    autosales_overdue_hold_days = fields.Integer(
        string="Hold for Overdue Invoices (days)",
        default=0,
        help="Stop the next order of a standing order whose customer has invoices "
        "overdue by more than this many days; it runs again once they are paid. "
        "0 never holds.",
    )
    autosales_shortfall_days = fields.Integer(
        string="Stock Shortfall Warning (days)",
        default=14,
        help="Days before standing orders run short of a product in a warehouse "
        "(they need more than it will have: on hand, plus receipts, less "
        "deliveries planned) that the product's responsible gets an activity. "
        "0 warns nobody; the forecast still shows the shortfalls.",
    )
    autosales_date_shift = fields.Selection(
        selection=DATE_SHIFTS,
        string="Orders on Closed Days",
        default="none",
        required=True,
        help="What happens to a standing-order occurrence that falls on a day the "
        "company's working schedule is closed (a day without working hours, or a "
        "public holiday): it keeps its date, or moves to the next or previous "
        "working day. The occurrences after it keep their own dates. Customers' "
        "delivery days are honoured in the same direction (the next one when the "
        "dates are kept).",
    )

    autosales_preview_days = fields.Integer(
        string="Prepare Orders Ahead (days)",
        default=0,
        help="Default of new standing orders: prepare each order this many days "
        "before its date as a quotation the customer can adjust, reference and "
        "confirm in the portal. 0 does not prepare orders ahead.",
    )
    autosales_preview_policy = fields.Selection(
        selection=PREVIEW_POLICIES,
        string="When the Customer Does Nothing",
        default="proceed",
        required=True,
        help="Default of new standing orders, for a prepared order the customer "
        "neither confirmed nor skipped: confirm it on its date, or wait for the "
        "customer (the standing order goes to exception and the salesperson gets "
        "an activity).",
    )
    autosales_no_contact_days = fields.Integer(
        string="Needs Attention Without Contact (days)",
        default=60,
        help="Customers with no interaction logged for this many days show in "
        "Needs Attention. 0: never.",
    )

    @api.constrains(
        "autosales_no_contact_days",
        "autosales_payment_retry_days",
        "autosales_notice_days",
        "autosales_overdue_hold_days",
        "autosales_preview_days",
        "autosales_shortfall_days",
    )
    def _check_autosales_settings(self):
        for company in self:
            if company.autosales_notice_days < 0:
                raise ValidationError(
                    self.env._("The upcoming order notice cannot be negative.")
                )
            if company.autosales_no_contact_days < 0:
                raise ValidationError(
                    self.env._(
                        "The days without contact before a customer needs attention "
                        "cannot be negative."
                    )
                )
            if company.autosales_shortfall_days < 0:
                raise ValidationError(
                    self.env._("The stock shortfall warning cannot be negative.")
                )
            if company.autosales_overdue_hold_days < 0:
                raise ValidationError(
                    self.env._(
                        "The days an invoice may be overdue before standing orders "
                        "are held cannot be negative."
                    )
                )
            if not 0 <= company.autosales_preview_days <= MAX_PREVIEW_DAYS:
                raise ValidationError(
                    self.env._(
                        "Orders can be prepared between 0 and %s days ahead.",
                        MAX_PREVIEW_DAYS,
                    )
                )
            company._autosales_get_payment_retry_days()

    def _autosales_get_tz(self):
        """The time zone of this company's day: its working-time calendar's,
        else its address's, else UTC."""
        self.ensure_one()
        return self.resource_calendar_id.tz or self.partner_id.tz or "UTC"

    def _autosales_get_today(self):
        """Today in this company's time zone."""
        self.ensure_one()
        return fields.Date.context_today(self.with_context(tz=self._autosales_get_tz()))

    @api.model
    @api.model
    def _autosales_get_all(self):
        """Every company, in the order of their ids (as superuser)."""
        # A database has few companies.
        return self.sudo().search([], order="id")  # pylint: disable=no-search-all

    def _autosales_get_todays(self, domain=()):
        """{company: today in its time zone} for the companies of ``domain``
        (all by default), in the order of their ids."""
        # A database has few companies.
        companies = self.sudo().search(list(domain), order="id")
        return {company: company._autosales_get_today() for company in companies}

    def write(self, vals):
        res = super().write(vals)
        if {"autosales_date_shift", "resource_calendar_id"} & vals.keys():
            self.env["sale.standing.order"].sudo().search(
                [
                    ("company_id", "in", self.ids),
                    ("state", "in", ("draft", "active", "paused", "exception")),
                ]
            )._reschedule()
        return res

    def _autosales_get_closed_days(self, date_from, date_to):
        """Days from ``date_from`` to ``date_to`` (included) on which this
        company's working schedule is closed: days without working hours,
        and public holidays (leaves of the schedule, or of every schedule,
        that are no employee's)."""
        self.ensure_one()
        calendar = self.resource_calendar_id
        if not calendar:
            return set()
        tz = timezone(calendar.tz or "UTC")
        intervals = calendar._work_intervals_batch(
            tz.localize(datetime.combine(date_from, time.min)),
            tz.localize(datetime.combine(date_to, time.max)),
            domain=[
                ("time_type", "=", "leave"),
                ("company_id", "in", (False, self.id)),
            ],
        )[False]
        open_days = {start.date() for start, _stop, _meta in intervals}
        return {
            date_from + timedelta(days=offset)
            for offset in range((date_to - date_from).days + 1)
        } - open_days

    def _autosales_shift_dates(self, dates, weekdays=()):
        """Move each of ``dates`` off the days orders are not placed on.

        A date on a closed day of this company (when its setting moves
        them, see ``autosales_date_shift``), or not on one of ``weekdays``
        (0 for Monday, a customer's delivery days), moves to the next or
        previous day that is neither, at most ``MAX_SHIFT_DAYS`` away; then
        to the nearest working day alone; else it stays.

        :return: {date: the day it moves to}
        """
        self.ensure_one()
        weekdays = frozenset(weekdays)
        direction = self.autosales_date_shift
        if direction == "none" and not weekdays:
            return {date: date for date in dates}
        step = timedelta(days=-1 if direction == "previous" else 1)
        # One look at the calendar per group of close dates.
        closed = set()
        if direction != "none":
            reach = timedelta(days=MAX_SHIFT_DAYS)
            start = end = None
            for date in sorted(set(dates)) + [None]:
                if start and date and date - end <= 2 * reach:
                    end = date
                    continue
                if start:
                    closed |= self._autosales_get_closed_days(
                        start - reach, end + reach
                    )
                start = end = date

        def shift(date, wanted):
            for offset in range(MAX_SHIFT_DAYS + 1):
                day = date + offset * step
                if day not in closed and wanted(day):
                    return day
            return None

        return {
            date: shift(date, lambda day: not weekdays or day.weekday() in weekdays)
            or shift(date, lambda day: True)
            or date
            for date in dates
        }

    def _autosales_get_payment_retry_days(self):
        """Return the retry schedule as a sorted list of positive day counts."""
        self.ensure_one()
        text = (self.autosales_payment_retry_days or "").strip()
        if not text:
            return []
        try:
            days = [int(part) for part in text.split(",") if part.strip()]
        except ValueError:
            days = None
        if days is None or any(day <= 0 for day in days):
            raise ValidationError(
                self.env._(
                    "Payment retries must be positive numbers of days separated by "
                    "commas, e.g. 1,3,7 (got “%s”).",
                    text,
                )
            )
        return sorted(days)
