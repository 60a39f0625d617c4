from odoo import fields, models

from .sale_order_invoicing import AUTOMATIC_MODES


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    autosales_standing_order_id = fields.Many2one(
        "sale.standing.order",
        string="Card for Standing Order",
        readonly=True,
        index="btree_not_null",
        help="Made by the customer on the standing order's page to save the card "
        "its next orders are charged with.",
    )

    def _post_process(self):
        """A card saved on a standing order's page becomes the one its orders
        are charged with; a pending order waiting for it is charged at once."""
        res = super()._post_process()
        for transaction in self.filtered(
            lambda tx: tx.autosales_standing_order_id
            and tx.token_id
            and tx.state in ("authorized", "done")
        ):
            standing = transaction.autosales_standing_order_id.sudo()
            if standing.payment_token_id != transaction.token_id and standing.state in (
                "active",
                "paused",
                "exception",
            ):
                standing.with_context(
                    autosales_author_id=transaction.partner_id.id
                )._change_payment_token(transaction.token_id)
        return res

    def _invoice_sale_orders(self):
        """Orders of standing orders invoiced automatically are invoiced by
        their own path (one invoice, reconciled with this payment), not a
        second time by Odoo's automatic invoicing of paid orders."""
        return super(
            PaymentTransaction,
            self.filtered(
                lambda tx: not any(
                    order.autosales_invoicing_mode in AUTOMATIC_MODES
                    for order in tx.sale_order_ids
                )
            ),
        )._invoice_sale_orders()
