from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    # The upcoming order email showed quantities as raw numbers ("1000.0");
    # reload it unless it was rewritten since.
    env = api.Environment(cr, SUPERUSER_ID, {})
    template = env.ref(
        "autosales_addon.mail_template_standing_order_upcoming",
        raise_if_not_found=False,
    )
    if template and 't-out="line.product_uom_qty"' in (template.body_html or ""):
        template.reset_template()
