from odoo import fields, models


class SaleStandingOrderCancel(models.TransientModel):
    """Asked by the Cancel button of a standing order: why it is cancelled
    (one of the configured reasons, for the churn figures) and anything to
    add."""

    _name = "sale.standing.order.cancel"
    _description = "Cancel Standing Orders"

    standing_order_ids = fields.Many2many(
        "sale.standing.order", string="Standing Orders", required=True
    )
    cancel_reason_id = fields.Many2one(
        "autosales.cancel.reason",
        string="Reason",
        required=True,
    )
    note = fields.Text(help="What the customer said, kept on the standing order.")

    # === ACTION METHODS === #

    def action_cancel(self):
        self.ensure_one()
        self.standing_order_ids.action_cancel(
            reason=(self.note or "").strip() or None,
            cancel_reason_id=self.cancel_reason_id.id,
        )
        return {"type": "ir.actions.act_window_close"}
