from odoo import api, fields, models
from odoo.tools.misc import clean_context

from ..models.autosales_interaction import INTERACTION_TYPES


class AutosalesInteractionLogWizard(models.TransientModel):
    _name = "autosales.interaction.log.wizard"
    _description = "Log a Customer Interaction"

    res_model = fields.Char(string="Document Model")
    res_id = fields.Many2oneReference(string="Document ID", model_field="res_model")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        domain="['|', ('is_company', '=', True), ('parent_id', '=', False)]",
    )
    contact_id = fields.Many2one(
        "res.partner",
        string="Contact Person",
        domain="[('commercial_partner_id', '=', partner_id), ('id', '!=', partner_id)]",
    )
    interaction_type = fields.Selection(
        selection=INTERACTION_TYPES,
        string="Type",
        required=True,
        default="phone_call",
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
    )
    summary = fields.Char(required=True)
    outcome = fields.Text()
    lead_id = fields.Many2one("crm.lead", string="Lead/Opportunity")
    sale_order_id = fields.Many2one("sale.order", string="Sales Order")
    standing_order_id = fields.Many2one("sale.standing.order")
    followup_activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Follow-up",
        domain="[('res_model', 'in', (False, res_model or 'res.partner'))]",
        help="Plan a next step on the document the interaction was logged from.",
    )
    followup_date = fields.Date(
        string="Follow-up Due",
        compute="_compute_followup_date",
        store=True,
        readonly=False,
    )
    followup_summary = fields.Char()
    followup_user_id = fields.Many2one(
        "res.users",
        string="Follow-up Assigned to",
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
    )

    # === COMPUTE METHODS === #

    @api.depends("followup_activity_type_id")
    def _compute_followup_date(self):
        for wizard in self:
            activity_type = wizard.followup_activity_type_id
            wizard.followup_date = (
                activity_type._get_date_deadline() if activity_type else False
            )

    @api.onchange("partner_id")
    def _onchange_partner_id(self):
        if self.contact_id.commercial_partner_id != self.partner_id:
            self.contact_id = False

    # === ACTION METHODS === #

    def action_log(self):
        self.ensure_one()
        # The defaults of the wizard are no defaults of what it creates.
        wizard = self.with_env(self.env(context=clean_context(self.env.context)))
        interaction = wizard.env["autosales.interaction"].create(
            wizard._prepare_interaction_values()
        )
        if wizard.followup_activity_type_id:
            interaction.followup_activity_id = wizard._schedule_followup()
        return {"type": "ir.actions.act_window_close"}

    # === BUSINESS METHODS === #

    def _prepare_interaction_values(self):
        self.ensure_one()
        return {
            "partner_id": self.partner_id.id,
            "contact_id": self.contact_id.id,
            "interaction_type": self.interaction_type,
            "date": self.date,
            "user_id": self.user_id.id,
            "summary": self.summary,
            "outcome": self.outcome,
            "lead_id": self.lead_id.id,
            "sale_order_id": self.sale_order_id.id,
            "standing_order_id": self.standing_order_id.id,
            "source": "manual",
        }

    def _get_followup_record(self):
        """The document the follow-up activity is planned on."""
        self.ensure_one()
        if self.res_model and self.res_id and self.res_model in self.env:
            record = self.env[self.res_model].browse(self.res_id).exists()
            if record and hasattr(record, "activity_schedule"):
                return record
        return self.partner_id

    def _schedule_followup(self):
        self.ensure_one()
        return self._get_followup_record().activity_schedule(
            activity_type_id=self.followup_activity_type_id.id,
            date_deadline=self.followup_date or fields.Date.context_today(self),
            summary=self.followup_summary or self.summary,
            user_id=(self.followup_user_id or self.env.user).id,
        )
