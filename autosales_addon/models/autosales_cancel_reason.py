from odoo import fields, models


class AutosalesCancelReason(models.Model):
    """Why a customer stops a standing order: one of a short list, so that
    churn can be counted per reason in the recurring revenue report."""

    _name = "autosales.cancel.reason"
    _description = "Standing Order Cancellation Reason"
    _order = "sequence, id"

    name = fields.Char(string="Reason", required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
