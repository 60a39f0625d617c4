from odoo import api, fields, models


class AutosalesRepeatOption(models.Model):
    """An interval webshop customers may choose to repeat their order at."""

    _name = "autosales.repeat.option"
    _inherit = ["autosales.interval.mixin"]
    _description = "Webshop Repeat Option"
    _order = "sequence, id"

    name = fields.Char(string="Name", related="interval_label")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    website_id = fields.Many2one(
        "website",
        ondelete="cascade",
        help="Leave empty to offer this interval on every website.",
    )

    @api.model
    def _get_website_options(self, website):
        """The repeat options offered on ``website``, in display order."""
        return self.search([("website_id", "in", (False, website.id))])

    def _next_date_after(self, date):
        self.ensure_one()
        return date + self._get_recurrence_delta()
