from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "autosales.interaction.mixin"]
    _autosales_interaction_field = "partner_id"

    on_account_allowed = fields.Boolean(
        string="Approved for Orders on Account",
        tracking=True,
        help="Orders of this customer may be confirmed without payment and charged to "
        "their account (within their credit limit). Set by sales managers on the "
        "company.",
    )
    standing_order_ids = fields.One2many(
        "sale.standing.order",
        "commercial_partner_id",
        string="Standing Orders",
    )
    standing_order_count = fields.Integer(compute="_compute_standing_order_count")

    # Key contacts (on the contact persons of a company)
    autosales_role_ids = fields.Many2many(
        "autosales.contact.role",
        string="Roles",
        help="What this person does for the customer: buyer, decision maker...",
    )
    autosales_is_primary_contact = fields.Boolean(
        string="Primary Contact",
        help="The person to contact first at this customer (one per company).",
    )
    autosales_contact_ids = fields.One2many(
        "res.partner",
        "parent_id",
        string="Contact Persons",
        domain=[("type", "=", "contact"), ("is_company", "=", False)],
    )
    autosales_key_contact_ids = fields.Many2many(
        "res.partner",
        string="Key Contacts",
        compute="_compute_autosales_key_contacts",
        help="Contact persons with a role, the primary contact first.",
    )
    autosales_primary_contact_id = fields.Many2one(
        "res.partner",
        string="Primary Contact Person",
        compute="_compute_autosales_key_contacts",
    )

    # Interactions (on the commercial partner)
    autosales_interaction_ids = fields.One2many(
        "autosales.interaction", "partner_id", string="Interaction Log"
    )
    autosales_last_interaction_date = fields.Datetime(
        string="Last Interaction",
        compute="_compute_autosales_last_interaction",
    )
    autosales_days_since_contact = fields.Integer(
        string="Days Since Last Contact",
        compute="_compute_autosales_last_interaction",
    )
    autosales_site_visit_count = fields.Integer(
        string="Site Visits", compute="_compute_autosales_interaction_stats"
    )
    autosales_phone_call_count = fields.Integer(
        string="Phone Calls", compute="_compute_autosales_interaction_stats"
    )
    autosales_email_count = fields.Integer(
        string="Emails", compute="_compute_autosales_interaction_stats"
    )
    autosales_meeting_count = fields.Integer(
        string="Customer Meetings", compute="_compute_autosales_interaction_stats"
    )
    autosales_other_interaction_count = fields.Integer(
        string="Other Interactions", compute="_compute_autosales_interaction_stats"
    )

    # === COMPUTE METHODS === #

    def _compute_standing_order_count(self):
        commercial_partners = self.commercial_partner_id
        counts = dict(
            self.env["sale.standing.order"]._read_group(
                [("commercial_partner_id", "in", commercial_partners.ids)],
                ["commercial_partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.standing_order_count = counts.get(partner.commercial_partner_id, 0)

    @api.depends(
        "child_ids.autosales_role_ids",
        "child_ids.autosales_is_primary_contact",
    )
    def _compute_autosales_key_contacts(self):
        for partner in self:
            contacts = partner.commercial_partner_id.child_ids.filtered(
                lambda c: c.autosales_role_ids or c.autosales_is_primary_contact
            ).sorted(lambda c: (not c.autosales_is_primary_contact, c.name or ""))
            partner.autosales_key_contact_ids = contacts
            partner.autosales_primary_contact_id = contacts.filtered(
                "autosales_is_primary_contact"
            )[:1]

    def _compute_autosales_last_interaction(self):
        Interaction = self.env["autosales.interaction"]
        commercial = self.commercial_partner_id
        last_dates = Interaction.with_context(
            allowed_company_ids=self.env.companies.ids
        )._get_last_interaction_dates(commercial)
        today = fields.Date.context_today(self)
        for partner in self:
            last = last_dates.get(partner.commercial_partner_id)
            partner.autosales_last_interaction_date = last
            partner.autosales_days_since_contact = (
                (today - fields.Date.context_today(self, last)).days if last else 0
            )

    def _compute_autosales_interaction_stats(self):
        counts = defaultdict(int)
        for partner, interaction_type, count in self.env[
            "autosales.interaction"
        ]._read_group(
            [("partner_id", "in", self.commercial_partner_id.ids)],
            ["partner_id", "interaction_type"],
            ["__count"],
        ):
            counts[partner.id, interaction_type] = count
        for partner in self:
            key = partner.commercial_partner_id.id
            partner.autosales_site_visit_count = counts[key, "site_visit"]
            partner.autosales_phone_call_count = counts[key, "phone_call"]
            partner.autosales_email_count = counts[key, "email"]
            partner.autosales_meeting_count = counts[key, "meeting"]
            partner.autosales_other_interaction_count = counts[key, "other"]

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + ["on_account_allowed"]

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("on_account_allowed") for vals in vals_list):
            self._check_on_account_approval_rights()
        partners = super().create(vals_list)
        partners.filtered(
            "autosales_is_primary_contact"
        )._autosales_unset_other_primary()
        return partners

    def write(self, vals):
        if "on_account_allowed" in vals and any(
            partner.on_account_allowed != bool(vals["on_account_allowed"])
            for partner in self
        ):
            self._check_on_account_approval_rights()
        res = super().write(vals)
        if vals.get("autosales_is_primary_contact") or (
            "parent_id" in vals and any(self.mapped("autosales_is_primary_contact"))
        ):
            self.filtered(
                "autosales_is_primary_contact"
            )._autosales_unset_other_primary()
        return res

    # === BUSINESS METHODS === #

    def _autosales_unset_other_primary(self):
        """A company has one primary contact: the last one set wins."""
        parents = self.parent_id
        if not parents:
            return
        others = self.search(
            [
                ("parent_id", "in", parents.ids),
                ("autosales_is_primary_contact", "=", True),
                ("id", "not in", self.ids),
            ]
        )
        if others:
            others.write({"autosales_is_primary_contact": False})

    def _autosales_interaction_target(self):
        self.ensure_one()
        return self.commercial_partner_id

    def _autosales_get_customer(self):
        self.ensure_one()
        return self.commercial_partner_id

    def _autosales_get_contact(self):
        self.ensure_one()
        if self != self.commercial_partner_id:
            return self
        return self.browse()

    def _autosales_get_salesperson(self):
        self.ensure_one()
        return self.commercial_partner_id.user_id or self.user_id

    def _autosales_interaction_document_values(self):
        return {}

    def _check_on_account_approval_rights(self):
        if self.env.su or self.env.user.has_group("sales_team.group_sale_manager"):
            return
        raise AccessError(
            self.env._(
                "Only sales managers can approve customers for orders charged to "
                "their account."
            )
        )

    # === ACTION METHODS === #

    def action_view_standing_orders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "autosales_addon.action_sale_standing_order"
        )
        action["domain"] = [
            ("commercial_partner_id", "=", self.commercial_partner_id.id)
        ]
        action["context"] = {"default_partner_id": self.id}
        return action
