from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    # Approval for orders on account is the commercial partner's only; it is
    # no longer copied to contacts. Copies made by earlier versions would
    # approve a contact once detached from its company.
    cr.execute(
        """
        UPDATE res_partner
           SET on_account_allowed = FALSE
         WHERE on_account_allowed
           AND commercial_partner_id IS NOT NULL
           AND id != commercial_partner_id
        """
    )
    # The refusal email linked to Odoo's saved payment methods page, which
    # does not change the card a standing order is charged with; reload it
    # unless it was rewritten since.
    env = api.Environment(cr, SUPERUSER_ID, {})
    template = env.ref(
        "autosales_addon.mail_template_standing_payment_refused",
        raise_if_not_found=False,
    )
    if template and "/my/payment_method" in (template.body_html or ""):
        template.reset_template()
