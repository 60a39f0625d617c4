from odoo import api, fields, models


class AutosalesReminderLog(models.Model):
    """One reminder a rule created for one event of one document.

    The row outlives its activity: done or cancelled reminders keep their
    row, so the same event never gets a second reminder.
    """

    _name = "autosales.reminder.log"
    _description = "Reminder Created by a Rule"
    _order = "event_date desc, id desc"
    _sql_constraints = [
        (
            "event_uniq",
            "UNIQUE(rule_id, res_model, res_id, event_date)",
            "This rule already created a reminder for this event of this document.",
        ),
    ]

    rule_id = fields.Many2one(
        "autosales.reminder.rule",
        string="Reminder Rule",
        required=True,
        readonly=True,
        ondelete="cascade",
    )
    trigger = fields.Selection(related="rule_id.trigger")
    res_model = fields.Char(string="Document Model", required=True, readonly=True)
    res_id = fields.Many2oneReference(
        string="Document ID", model_field="res_model", required=True, readonly=True
    )
    document_name = fields.Char(string="Document", compute="_compute_document_name")
    event_date = fields.Date(
        required=True,
        readonly=True,
        help="Date of the event the reminder is about: predicted reorder date, "
        "occurrence date, delivery date, last contact or exception date.",
    )
    date_deadline = fields.Date(string="Due Date", readonly=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        index=True,
        readonly=True,
        ondelete="cascade",
    )
    user_id = fields.Many2one("res.users", string="Assigned to", readonly=True)
    company_id = fields.Many2one(
        "res.company",
        readonly=True,
        index="btree_not_null",
        help="Company of the document; none for a customer shared by all companies.",
    )
    activity_id = fields.Many2one(
        "mail.activity",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    state = fields.Selection(
        selection=[
            ("open", "To Do"),
            ("done", "Done"),
            ("cancelled", "Cancelled"),
        ],
        default="open",
        required=True,
        readonly=True,
        index=True,
    )

    # === COMPUTE METHODS === #

    @api.depends("res_model", "res_id")
    def _compute_document_name(self):
        for log in self:
            if log.res_model in self.env and log.res_id:
                record = self.env[log.res_model].browse(log.res_id).sudo().exists()
                log.document_name = record.display_name if record else False
            else:
                log.document_name = False

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        logs = super().create(vals_list)
        logs._refresh_next_contact_dates()
        return logs

    def write(self, vals):
        res = super().write(vals)
        if {"state", "activity_id", "partner_id", "company_id"} & vals.keys():
            self._refresh_next_contact_dates()
        return res

    def unlink(self):
        partners, companies = self.partner_id, self._get_companies()
        res = super().unlink()
        partners._autosales_refresh_next_contact_dates(companies)
        return res

    # === ACTION METHODS === #

    def action_open_document(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    # === BUSINESS METHODS === #

    def _get_companies(self):
        """Companies whose next contact dates these reminders count in (all
        of them for a customer shared by all companies)."""
        if not self or not all(self.mapped("company_id")):
            return self.env["res.company"]._autosales_get_all()
        return self.company_id

    def _refresh_next_contact_dates(self):
        self.partner_id._autosales_refresh_next_contact_dates(self._get_companies())

    @api.model
    def _set_activities_state(self, activities, state):
        """Close the open reminders of ``activities`` (done or cancelled)."""
        if not activities.ids:
            return
        self.search(
            [("activity_id", "in", activities.ids), ("state", "=", "open")]
        ).write({"state": state})
