from odoo import fields, models


class AutosalesContactRole(models.Model):
    _name = "autosales.contact.role"
    _description = "Key Contact Role"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    description = fields.Text(translate=True)
