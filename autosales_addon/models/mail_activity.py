from odoo import models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def _action_done(self, feedback=False, attachment_ids=None):
        """Log the customer interactions these activities stand for, and keep
        the reminders they came from as done so they are never recreated."""
        Interaction = self.env["autosales.interaction"].sudo()
        # Read before super(), which deletes the activities.
        vals_list = (
            []
            if self.env.context.get("autosales_skip_interaction_log")
            else Interaction._prepare_values_from_activities(self, feedback=feedback)
        )
        self.env["autosales.reminder.log"].sudo()._set_activities_state(self, "done")
        messages, next_activities = super()._action_done(
            feedback=feedback, attachment_ids=attachment_ids
        )
        if vals_list:
            Interaction.create(vals_list)
        return messages, next_activities

    def write(self, vals):
        res = super().write(vals)
        if "date_deadline" in vals:
            self.env["autosales.reminder.log"].sudo().search(
                [("activity_id", "in", self.ids), ("state", "=", "open")]
            )._refresh_next_contact_dates()
        return res

    def unlink(self):
        self.env["autosales.reminder.log"].sudo()._set_activities_state(
            self, "cancelled"
        )
        return super().unlink()
