from odoo import api, fields, models
from odoo.exceptions import ValidationError


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

    @api.constrains("autosales_payment_retry_days", "autosales_notice_days")
    def _check_autosales_settings(self):
        for company in self:
            if company.autosales_notice_days < 0:
                raise ValidationError(
                    self.env._("The upcoming order notice cannot be negative.")
                )
            company._autosales_get_payment_retry_days()

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
