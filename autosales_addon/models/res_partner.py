from odoo import api, fields, models
from odoo.exceptions import AccessError


class ResPartner(models.Model):
    _inherit = "res.partner"

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

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + ["on_account_allowed"]

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("on_account_allowed") for vals in vals_list):
            self._check_on_account_approval_rights()
        return super().create(vals_list)

    def write(self, vals):
        if "on_account_allowed" in vals and any(
            partner.on_account_allowed != bool(vals["on_account_allowed"])
            for partner in self
        ):
            self._check_on_account_approval_rights()
        return super().write(vals)

    # === BUSINESS METHODS === #

    def _check_on_account_approval_rights(self):
        if self.env.su or self.env.user.has_group("sales_team.group_sale_manager"):
            return
        raise AccessError(
            self.env._(
                "Only sales managers can approve customers for orders charged to their "
                "account."
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
