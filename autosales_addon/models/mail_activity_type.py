from odoo import fields, models

from .autosales_interaction import INTERACTION_TYPES


class MailActivityType(models.Model):
    _inherit = "mail.activity.type"

    autosales_interaction_type = fields.Selection(
        selection=INTERACTION_TYPES,
        string="Customer Interaction",
        help="Activities of this type are customer interactions: marking one "
        "done on a customer, lead, order or standing order logs the interaction "
        "(emails are logged from the messages themselves).",
    )
