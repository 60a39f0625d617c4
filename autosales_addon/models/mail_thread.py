from odoo import models


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def _message_post_after_hook(self, message, msg_vals):
        """Log the emails exchanged with the customer of customer documents
        (those of ``autosales.interaction.mixin``) as interactions."""
        res = super()._message_post_after_hook(message, msg_vals)
        if hasattr(self, "_autosales_get_customer") and not self.env.context.get(
            "autosales_no_interaction"
        ):
            self.env["autosales.interaction"].sudo()._log_from_message(
                self.sudo(), message, msg_vals
            )
        return res
