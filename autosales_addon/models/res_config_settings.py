from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    autosales_notice_days = fields.Integer(
        related="company_id.autosales_notice_days",
        readonly=False,
    )
    autosales_payment_retry_days = fields.Char(
        related="company_id.autosales_payment_retry_days",
        readonly=False,
    )
