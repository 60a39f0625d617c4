from odoo import models


class PaymentMethod(models.Model):
    _inherit = "payment.method"

    def _get_compatible_payment_methods(
        self,
        provider_ids,
        partner_id,
        currency_id=None,
        force_tokenization=False,
        **kwargs,
    ):
        """Offer only methods that can be saved for a repeated webshop order."""
        sale_order_id = kwargs.get("sale_order_id")
        if sale_order_id and not force_tokenization:
            order = self.env["sale.order"].sudo().browse(sale_order_id).exists()
            force_tokenization = bool(order.autosales_repeat_option_id)
        return super()._get_compatible_payment_methods(
            provider_ids,
            partner_id,
            currency_id=currency_id,
            force_tokenization=force_tokenization,
            **kwargs,
        )
