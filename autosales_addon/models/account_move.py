from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"
    _sql_constraints = [
        (
            "autosales_invoice_uniq",
            "UNIQUE(autosales_order_id, autosales_invoice_seq)",
            "This invoice of the order was already created.",
        ),
    ]

    # The guard of automatic invoicing: the n-th automatic invoice of an
    # order can exist once. Two runs invoicing the same order from the same
    # state compute the same number; the second one fails on this constraint.
    autosales_order_id = fields.Many2one(
        "sale.order",
        string="Invoiced Standing Order Occurrence",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
    )
    autosales_invoice_seq = fields.Integer(readonly=True, copy=False)

    def _autosales_reconcile_order_payments(self):
        """Reconcile these posted invoices of pay-now orders with the
        payments of their orders' transactions, and link them to those
        transactions so that a payment created later reconciles them too."""
        for invoice in self:
            transactions = invoice.autosales_order_id.transaction_ids.filtered(
                lambda tx: tx.state == "done" and tx.operation != "validation"
            )
            if not transactions:
                continue
            transactions.invoice_ids = [fields.Command.link(invoice.id)]
            receivable = invoice.line_ids.filtered(
                lambda line: line.account_id.account_type == "asset_receivable"
            )
            lines = (receivable | transactions.payment_id.move_id.line_ids).filtered(
                lambda line, accounts=receivable.account_id: line.account_id in accounts
                and not line.reconciled
            )
            if transactions.payment_id and len(lines) > len(receivable):
                lines.reconcile()

    def _autosales_send(self):
        """Send these posted invoices to their customers with Odoo's invoice
        sending, in the background (PDFs rendered in batches by its
        scheduled action)."""
        if not self:
            return
        for user, invoices in self.grouped(
            lambda invoice: invoice.autosales_order_id.user_id or self.env.user
        ).items():
            invoices.sending_data = {
                "author_user_id": user.id,
                "author_partner_id": user.partner_id.id,
            }
        self.env.ref("account.ir_cron_account_move_send")._trigger()
