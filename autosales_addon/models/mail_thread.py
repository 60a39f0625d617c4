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

    def _autosales_send_customer_email(self, template):
        """Email ``template`` to the followers of each of these records, as a
        message of its discussion, which customers also read in the portal.

        Automatic, it is no contact with the customer: it logs no
        interaction (and so does not reset the "no contact" count).
        """
        for record in self.with_context(autosales_no_interaction=True):
            record.message_post_with_source(
                template,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                email_layout_xmlid="mail.mail_notification_light",
            )
