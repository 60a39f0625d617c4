from odoo import fields, models


class AutosalesWeekday(models.Model):
    """A day of the week, to choose days (a customer's delivery days) with
    the tags of a many2many field rather than seven checkboxes."""

    _name = "autosales.weekday"
    _description = "Day of the Week"
    _order = "dayofweek"
    _sql_constraints = [
        ("dayofweek_uniq", "UNIQUE(dayofweek)", "Each day of the week exists once."),
    ]

    name = fields.Char(required=True, translate=True)
    # As Python's date.weekday() and the working schedules' attendances.
    dayofweek = fields.Integer(
        string="Day of the Week",
        required=True,
        help="0 for Monday to 6 for Sunday.",
    )
