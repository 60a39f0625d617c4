from odoo import api, fields, models
from odoo.tools import float_compare, format_date

PREVIEW_STATES = [
    ("waiting", "Waiting for the Customer"),
    ("confirmed", "Confirmed Early"),
    ("skipped", "Skipped"),
    ("released", "Placed on Its Date"),
]


class SaleOrder(models.Model):
    """Orders of standing orders prepared ahead for the customer's review
    (see ``sale.standing.order`` preparation)."""

    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    autosales_preview_state = fields.Selection(
        selection=PREVIEW_STATES,
        string="Prepared Order",
        copy=False,
        readonly=True,
        tracking=True,
        index="btree_not_null",
        help="Prepared ahead for the customer: waiting for their review, confirmed "
        "or skipped by them (or by the salesperson on their behalf), or placed on "
        "its date.",
    )
    autosales_preview_reminded = fields.Boolean(
        string="Customer Reminded",
        copy=False,
        readonly=True,
        help="The customer was reminded the day before that this order waits for them.",
    )

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        if self.env.context.get("autosales_prepare"):
            for vals in vals_list:
                if vals.get("standing_order_id"):
                    vals["autosales_preview_state"] = "waiting"
        return super().create(vals_list)

    def write(self, vals):
        if "client_order_ref" not in vals:
            return super().write(vals)
        before = {
            order: order.client_order_ref
            for order in self
            if order.autosales_preview_state == "waiting"
        }
        res = super().write(vals)
        for order, reference in before.items():
            if order.client_order_ref != reference:
                order._autosales_log_prepared_change(
                    self.env._(
                        "Purchase order number of this order: %s.",
                        order.client_order_ref or self.env._("none"),
                    )
                )
        return res

    # === ACTION METHODS === #

    def action_confirm(self):
        # Confirmed by hand before its date (the salesperson on the
        # customer's behalf): its occurrence is used up, the schedule goes on.
        waiting = self.filtered(
            lambda order: order.autosales_preview_state == "waiting"
        )
        waiting.autosales_preview_state = "confirmed"
        for order in waiting:
            order.standing_order_id._use_prepared_occurrence(order)
        waiting.standing_order_id._close_upcoming_reminders()
        return super().action_confirm()

    def _action_cancel(self):
        waiting = self.filtered(
            lambda order: order.autosales_preview_state == "waiting"
        )
        res = super()._action_cancel()
        if self.env.context.get("autosales_keep_schedule"):
            return res
        # Cancelled before its date: the occurrence is skipped; the cancelled
        # order keeps it from being made again.
        waiting.autosales_preview_state = "skipped"
        for order in waiting:
            standing = order.standing_order_id
            standing._use_prepared_occurrence(order, generated=False)
            standing.message_post(
                body=self.env._(
                    "The order of %(date)s (%(order)s) was skipped; the next order is "
                    "planned on %(next)s.",
                    date=format_date(self.env, order.standing_order_date),
                    order=order.name,
                    next=format_date(self.env, standing.next_date),
                )
            )
        waiting.standing_order_id._withdraw_upcoming_reminders()
        return res

    # === BUSINESS METHODS === #

    def _autosales_filter_waiting(self):
        """The orders of ``self`` prepared ahead and waiting for the customer."""
        return self.filtered(lambda order: order.autosales_preview_state == "waiting")

    def _autosales_filter_pending(self):
        """The generated orders of ``self`` still to be confirmed or paid
        (not those prepared ahead and waiting for the customer)."""
        return self.filtered(
            lambda order: order.state in ("draft", "sent")
            and order.standing_order_date
            and order.autosales_preview_state != "waiting"
        )

    def _autosales_log_prepared_change(self, body):
        """Log a change of this prepared order in its chatter, by the
        customer (portal) or the salesperson on their behalf."""
        self.ensure_one()
        author = self.env["res.partner"].browse(
            self.env.context.get("autosales_author_id")
        )
        self.message_post(
            body=body,
            author_id=(author or self.env.user.partner_id).id,
            subtype_xmlid="mail.mt_note",
        )


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"  # pylint: disable=consider-merging-classes-inherited

    standing_order_line_id = fields.Many2one(
        "sale.standing.order.line",
        copy=False,
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )

    def _autosales_display_quantity(self):
        """The quantity in the user's number format, without trailing zeros."""
        self.ensure_one()
        return self.env["sale.standing.order.line"]._format_quantity(
            self.product_uom_qty
        )

    def _autosales_input_quantity(self):
        """The quantity as a number input holds it (``1000``, ``2.5``)."""
        self.ensure_one()
        return self.env["sale.standing.order.line"]._format_input_quantity(
            self.product_uom_qty
        )

    def write(self, vals):
        if "product_uom_qty" not in vals:
            return super().write(vals)
        before = {
            line: line.product_uom_qty
            for line in self
            if line.order_id.autosales_preview_state == "waiting"
        }
        res = super().write(vals)
        StandingLine = self.env["sale.standing.order.line"]
        for line, quantity in before.items():
            if float_compare(
                line.product_uom_qty,
                quantity,
                precision_rounding=line.product_uom.rounding,
            ):
                line.order_id._autosales_log_prepared_change(
                    self.env._(
                        "Quantity of %(product)s in this order: %(before)s → "
                        "%(after)s.",
                        product=line.product_id.display_name,
                        before=StandingLine._format_quantity(quantity),
                        after=StandingLine._format_quantity(line.product_uom_qty),
                    )
                )
        return res
