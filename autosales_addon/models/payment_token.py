from odoo import api, models


class PaymentToken(models.Model):
    _inherit = "payment.token"

    def _handle_archiving(self):
        """A customer removing a saved card (portal, backend) stops at once the
        standing orders it pays, and asks the customer for another card: the
        next order would fail otherwise."""
        res = super()._handle_archiving()
        self._autosales_release_standing_orders()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_autosales_release_standing_orders(self):
        self._autosales_release_standing_orders()

    def _autosales_masked_label(self):
        """The card as customers are shown it: its payment method (the brand,
        when the provider gave it) and last four digits (``Visa •••• 4242``),
        whatever the provider stored."""
        self.ensure_one()
        digits = "".join(char for char in self.payment_details or "" if char.isdigit())
        method = self.payment_method_id.name or self.provider_id.name
        if not digits:
            return method
        return f"{method} •••• {digits[-4:]}"

    def _autosales_get_expiry_date(self):
        """Last day this saved payment method can be charged, or None when
        its provider does not tell (none of Odoo's 18.0 providers stores the
        expiry of a card): a provider module overrides this hook."""
        self.ensure_one()
        return None

    def _autosales_release_standing_orders(self):
        standing_orders = (
            self.env["sale.standing.order"]
            .sudo()
            .search(
                [
                    ("payment_token_id", "in", self.ids),
                    ("payment_mode", "=", "pay_now"),
                    ("state", "in", ("active", "paused", "exception")),
                ]
            )
        )
        standing_orders._autosales_payment_method_lost()
