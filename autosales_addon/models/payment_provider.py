from odoo import models


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    def _is_tokenization_required(self, sale_order_id=None, **kwargs):
        """A repeated webshop order is paid again later with a saved payment
        method: the first payment must save one."""
        if sale_order_id:
            order = self.env["sale.order"].sudo().browse(sale_order_id).exists()
            if order.autosales_repeat_option_id:
                return True
        return super()._is_tokenization_required(sale_order_id=sale_order_id, **kwargs)
