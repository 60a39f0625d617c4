from odoo import api, fields, models


class AutosalesInteractionMixin(models.AbstractModel):
    """Customer documents (customer, lead, order, standing order) whose
    emails and done activities are logged as customer interactions (see
    ``mail.thread._message_post_after_hook`` and ``mail.activity._action_done``).

    Inheriting models set ``_autosales_interaction_field``, the field of
    ``autosales.interaction`` that links to them, and may override the
    ``_autosales_get_*`` hooks.
    """

    _name = "autosales.interaction.mixin"
    _description = "Customer Interaction Logging"
    _autosales_interaction_field = None

    autosales_interaction_count = fields.Integer(
        string="Interactions",
        compute="_compute_autosales_interaction_count",
        groups="sales_team.group_sale_salesman",
    )

    # === COMPUTE METHODS === #

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_autosales_interaction_count(self):
        if not self.env["autosales.interaction"].has_access("read"):
            self.autosales_interaction_count = 0
            return
        field = self._autosales_interaction_field
        # Records being created (forms) count nothing yet.
        targets = {
            record: record._autosales_interaction_target()._origin for record in self
        }
        counts = dict(
            self.env["autosales.interaction"]._read_group(
                [(field, "in", [target.id for target in targets.values() if target])],
                [field],
                ["__count"],
            )
        )
        for record, target in targets.items():
            record.autosales_interaction_count = counts.get(target, 0)

    # === ACTION METHODS === #

    def action_log_interaction(self):
        """Open the quick "Log interaction" wizard for this document."""
        self.ensure_one()
        customer = self._autosales_get_customer()
        context = {
            "default_res_model": self._name,
            "default_res_id": self.id,
            "default_partner_id": customer.id,
            "default_contact_id": self._autosales_get_contact().id,
        }
        document_values = self._autosales_interaction_document_values()
        context.update(
            {f"default_{field}": value for field, value in document_values.items()}
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Log Interaction"),
            "res_model": "autosales.interaction.log.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": context,
        }

    def action_view_autosales_interactions(self):
        self.ensure_one()
        target = self._autosales_interaction_target()
        field = self._autosales_interaction_field
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "autosales_addon.action_autosales_interaction"
        )
        action["domain"] = [(field, "=", target.id)]
        action["context"] = {
            "default_partner_id": self._autosales_get_customer().id,
            **{
                f"default_{name}": value
                for name, value in self._autosales_interaction_document_values().items()
            },
        }
        return action

    # === BUSINESS METHODS === #

    def _autosales_interaction_target(self):
        """The record ``_autosales_interaction_field`` points to for ``self``."""
        self.ensure_one()
        return self

    def _autosales_get_customer(self):
        """The customer (commercial partner) of this document, or no record."""
        self.ensure_one()
        return self.partner_id.commercial_partner_id

    def _autosales_get_contact(self):
        """The contact person of the customer this document is addressed to."""
        self.ensure_one()
        partner = self.partner_id
        if partner and partner != partner.commercial_partner_id:
            return partner
        return self.env["res.partner"]

    def _autosales_get_salesperson(self):
        self.ensure_one()
        return self.user_id

    def _autosales_get_company(self):
        self.ensure_one()
        return self.company_id or self.env.company

    def _autosales_interaction_document_values(self):
        """Values linking an interaction to this document."""
        self.ensure_one()
        return {self._autosales_interaction_field: self.id}
