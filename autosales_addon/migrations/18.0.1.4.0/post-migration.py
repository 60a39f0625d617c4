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

    # The prepared order email gained its taxes row (and amounts that do not
    # wrap on phones): reload it unless it was rewritten since.
    template = env.ref(
        "autosales_addon.mail_template_standing_order_prepared",
        raise_if_not_found=False,
    )
    if template and "order.amount_tax" not in (template.body_html or ""):
        template.reset_template()
