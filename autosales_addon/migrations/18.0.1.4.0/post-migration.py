from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    # Predict each company's reorder dates from its own orders, then set the
    # next contact dates of the customers with open reminders (the others
    # are set by the prediction).
    env = api.Environment(cr, SUPERUSER_ID, {})
    Partner = env["res.partner"]
    Partner._autosales_update_reorder_dates()
    env["autosales.reminder.log"].search(
        [("state", "=", "open")]
    )._refresh_next_contact_dates()
