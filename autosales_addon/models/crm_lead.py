from odoo import models


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "autosales.interaction.mixin"]
    _autosales_interaction_field = "lead_id"
