from odoo import models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def _action_done(self, feedback=False, attachment_ids=None):
        """Log the customer interactions these activities stand for."""
        Interaction = self.env["autosales.interaction"].sudo()
        # Read before super(), which deletes the activities.
        vals_list = Interaction._prepare_values_from_activities(self, feedback=feedback)
        messages, next_activities = super()._action_done(
            feedback=feedback, attachment_ids=attachment_ids
        )
        if vals_list:
            Interaction.create(vals_list)
        return messages, next_activities
