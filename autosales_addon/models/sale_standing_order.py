import hashlib
import logging
import random
import time

import psycopg2.errors

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.modules import module as odoo_module
from odoo.osv import expression
from odoo.tools import SQL, format_date, split_every
from odoo.tools.misc import str2bool

_logger = logging.getLogger(__name__)

# Bound on the occurrences generated for one standing order in one pass; the
# rest stays due and is picked up by the next batch, oldest first.
MAX_OCCURRENCES_PER_PASS = 50
DEFAULT_BATCH_SIZE = 100
# Settings of the generation by OCA queue_job (optional, see README.rst).
QUEUE_JOB_PARAM = "autosales_addon.generation_queue_job"
QUEUE_JOB_CHANNEL = "root.autosales"
# A job whose standing orders another worker holds runs again this later.
QUEUE_JOB_RETRY_SECONDS = 10
# Errors of a transaction that lost a race with another one: the whole
# transaction is retried on a fresh snapshot. They are never caught by the
# handlers that isolate a faulty standing order (in a savepoint, the retry
# would meet the same stale snapshot and fail every standing order after).
RETRYABLE_ERRORS = (
    psycopg2.errors.SerializationFailure,
    psycopg2.errors.LockNotAvailable,
    psycopg2.errors.DeadlockDetected,
)


class SaleStandingOrder(models.Model):
    _name = "sale.standing.order"
    _inherit = [
        "portal.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "autosales.recurrence.mixin",
        "autosales.interaction.mixin",
    ]
    _description = "Standing Order"
    _order = "next_date, id desc"
    _check_company_auto = True
    _autosales_interaction_field = "standing_order_id"

    name = fields.Char(
        string="Reference",
        required=True,
        copy=False,
        readonly=True,
        index="trigram",
        default=lambda self: self.env._("New"),
    )
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("active", "Active"),
            ("paused", "Paused"),
            ("exception", "Exception"),
            ("done", "Done"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        copy=False,
        readonly=True,
        tracking=True,
        index=True,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        change_default=True,
        check_company=True,
        domain="[('type', '!=', 'private'), ('company_id', 'in', (False, company_id))]",
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id",
        store=True,
        index=True,
    )
    partner_invoice_id = fields.Many2one(
        "res.partner",
        string="Invoice Address",
        compute="_compute_partner_addresses",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        check_company=True,
        tracking=True,
    )
    partner_shipping_id = fields.Many2one(
        "res.partner",
        string="Delivery Address",
        compute="_compute_partner_addresses",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        check_company=True,
        tracking=True,
    )
    pricelist_id = fields.Many2one(
        "product.pricelist",
        compute="_compute_pricelist_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
        tracking=True,
        help="Prices of lines without a fixed unit price are taken from this pricelist "
        "on the day each order is generated.",
    )
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        store=True,
        precompute=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        compute="_compute_user_id",
        store=True,
        readonly=False,
        precompute=True,
        index=True,
        tracking=True,
        domain="[('share', '=', False), ('company_ids', '=', company_id)]",
    )
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        compute="_compute_team_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
        tracking=True,
    )
    line_ids = fields.One2many(
        "sale.standing.order.line",
        "standing_order_id",
        string="Products",
        copy=True,
    )
    interval_number = fields.Integer(tracking=True)
    interval_type = fields.Selection(tracking=True)
    start_date = fields.Date(
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        help="Date of the first order; every later occurrence is computed from it.",
    )
    next_date = fields.Date(
        string="Next Order Date",
        compute="_compute_next_date",
        store=True,
        readonly=False,
        precompute=True,
        copy=False,
        tracking=True,
        help="Date of the next order to generate.",
    )
    end_type = fields.Selection(
        selection=[
            ("none", "Until further notice"),
            ("date", "Until a date"),
            ("count", "Number of orders"),
        ],
        string="Ends",
        default="none",
        required=True,
        tracking=True,
    )
    end_date = fields.Date(tracking=True)
    max_occurrences = fields.Integer(
        string="Number of Orders", default=1, tracking=True
    )
    generated_count = fields.Integer(
        string="Orders Generated",
        copy=False,
        readonly=True,
        help="Occurrences for which an order was generated.",
    )
    lead_days = fields.Integer(
        string="Delivery Lead Time",
        help="When set, each order promises delivery this many days after its "
        "occurrence date (commitment date).",
    )
    payment_mode = fields.Selection(
        selection=[
            ("on_account", "Charge to customer account"),
            ("pay_now", "Pay with saved payment method"),
        ],
        default="on_account",
        required=True,
        tracking=True,
    )
    payment_token_id = fields.Many2one(
        "payment.token",
        string="Saved Payment Method",
        tracking=True,
        check_company=True,
        domain="[('partner_id', 'child_of', commercial_partner_id), "
        "('company_id', 'in', (False, company_id))]",
    )
    auto_confirm = fields.Boolean(
        string="Confirm Automatically",
        default=True,
        help="Confirm each generated order (which creates its delivery). Otherwise "
        "orders are left as quotations for review.",
    )
    client_order_ref = fields.Char(
        string="Customer Reference",
        tracking=True,
        help="The customer's purchase order reference, copied to every order.",
    )
    order_ids = fields.One2many("sale.order", "standing_order_id", string="Orders")
    order_count = fields.Integer(compute="_compute_order_count")
    note = fields.Html(string="Terms and Conditions")
    exception_reason = fields.Text(copy=False, readonly=True)
    exception_date = fields.Date(
        copy=False,
        readonly=True,
        help="Day the standing order last went to exception.",
    )
    autosales_primary_contact_id = fields.Many2one(
        related="commercial_partner_id.autosales_primary_contact_id",
        string="Primary Contact",
    )
    autosales_key_contact_ids = fields.Many2many(
        related="commercial_partner_id.autosales_key_contact_ids",
        string="Key Contacts",
    )
    cancel_reason = fields.Text(copy=False, readonly=True)
    upcoming_notice_date = fields.Date(
        copy=False,
        readonly=True,
        help="Occurrence for which the customer was last sent the upcoming order "
        "notice.",
    )
    source_order_id = fields.Many2one(
        "sale.order",
        string="Created From",
        copy=False,
        readonly=True,
        index="btree_not_null",
    )
    from_checkout = fields.Boolean(
        copy=False,
        readonly=True,
        help="Set up by the customer in the webshop, from the order it repeats.",
    )
    amount_untaxed = fields.Monetary(
        string="Amount per Order",
        compute="_compute_amount_untaxed",
        currency_field="currency_id",
        help="Untaxed amount of one order at today's prices.",
    )

    def init(self):  # pylint: disable=missing-return
        super().init()
        # One standing order per webshop order, however often its payment is
        # confirmed (webhook and return page).
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS sale_standing_order_checkout_uniq
                ON sale_standing_order (source_order_id)
             WHERE from_checkout
            """
        )
        # What the scheduled action searches: running standing orders by date.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS sale_standing_order_due_idx
                ON sale_standing_order (next_date, id)
             WHERE state = 'active'
            """
        )

    # === COMPUTE METHODS === #

    @api.depends("partner_id")
    def _compute_partner_addresses(self):
        for order in self:
            addresses = order.partner_id.address_get(["delivery", "invoice"])
            order.partner_invoice_id = addresses["invoice"]
            order.partner_shipping_id = addresses["delivery"]

    @api.depends("partner_id", "company_id")
    def _compute_pricelist_id(self):
        for order in self:
            if order.partner_id:
                order.pricelist_id = order.partner_id.with_company(
                    order.company_id
                ).property_product_pricelist
            else:
                order.pricelist_id = False

    @api.depends("pricelist_id", "company_id")
    def _compute_currency_id(self):
        for order in self:
            order.currency_id = (
                order.pricelist_id.currency_id or order.company_id.currency_id
            )

    @api.depends("partner_id")
    def _compute_user_id(self):
        for order in self:
            if order.partner_id and not (order._origin.id and order.user_id):
                order.user_id = (
                    order.partner_id.user_id
                    or order.partner_id.commercial_partner_id.user_id
                    or self.env.user
                )
            elif not order.user_id:
                order.user_id = self.env.user

    @api.depends("user_id", "company_id")
    def _compute_team_id(self):
        for order in self:
            order.team_id = (
                self.env["crm.team"]
                .with_company(order.company_id)
                ._get_default_team_id(
                    user_id=order.user_id.id,
                    domain=[("company_id", "in", (False, order.company_id.id))],
                )
            )

    @api.depends("start_date")
    def _compute_next_date(self):
        for order in self:
            if order.state == "draft" or not order.next_date:
                order.next_date = order.start_date

    @api.depends("order_ids")
    def _compute_order_count(self):
        counts = dict(
            self.env["sale.order"]._read_group(
                [("standing_order_id", "in", self.ids)],
                ["standing_order_id"],
                ["__count"],
            )
        )
        for order in self:
            order.order_count = counts.get(order._origin, 0)

    @api.depends("line_ids.price_subtotal")
    def _compute_amount_untaxed(self):
        for order in self:
            order.amount_untaxed = sum(order.line_ids.mapped("price_subtotal"))

    def _compute_access_url(self):  # pylint: disable=missing-return
        super()._compute_access_url()
        for order in self:
            order.access_url = f"/my/standing-orders/{order.id}"

    # === CONSTRAINT METHODS === #

    @api.constrains("end_type", "end_date", "start_date", "max_occurrences")
    def _check_end(self):
        for order in self:
            if order.end_type == "date":
                if not order.end_date:
                    raise ValidationError(
                        self.env._(
                            "Set the end date of standing order %s.", order.display_name
                        )
                    )
                if order.end_date < order.start_date:
                    raise ValidationError(
                        self.env._(
                            "The end date of standing order %(name)s (%(end)s) is "
                            "before its start date (%(start)s).",
                            name=order.display_name,
                            end=order.end_date,
                            start=order.start_date,
                        )
                    )
            if order.end_type == "count" and order.max_occurrences < 1:
                raise ValidationError(
                    self.env._(
                        "A standing order that ends after a number of orders needs at "
                        "least one."
                    )
                )

    @api.constrains("payment_token_id", "partner_id")
    def _check_payment_token_partner(self):
        for order in self:
            token_partner = order.payment_token_id.partner_id.commercial_partner_id
            if order.payment_token_id and token_partner != order.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "The saved payment method %(token)s does not belong to "
                        "%(customer)s.",
                        token=order.payment_token_id.display_name,
                        customer=order.commercial_partner_id.display_name,
                    )
                )

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", self.env._("New")) == self.env._("New"):
                company = self.env["res.company"].browse(vals.get("company_id"))
                vals["name"] = self.env["ir.sequence"].with_company(
                    company or self.env.company
                ).next_by_code("sale.standing.order") or self.env._("New")
        return super().create(vals_list)

    def write(self, vals):
        res = super().write(vals)
        if {"interval_number", "interval_type", "next_date"} & vals.keys():
            # The schedule continues from the (possibly new) next date with the
            # (possibly new) interval: re-anchor there so later occurrences
            # are computed from it.
            for order in self.filtered(lambda o: o.state != "draft" and o.next_date):
                super(SaleStandingOrder, order).write(
                    order._recurrence_anchor_values(order.next_date)
                )
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_with_orders(self):
        for order in self:
            if order.state not in ("draft", "cancelled") or order.order_ids:
                raise UserError(
                    self.env._(
                        "Standing order %s has generated orders or is running: cancel "
                        "it instead of deleting it.",
                        order.display_name,
                    )
                )

    # === ACTION METHODS === #

    def action_activate(self):
        for order in self:
            if order.state != "draft":
                raise UserError(
                    self.env._(
                        "Only draft standing orders can be activated (%s).",
                        order.display_name,
                    )
                )
            order._check_ready_to_run()
        self._action_activate()
        return True

    def _action_activate(self):
        for order in self:
            order.write(
                {
                    "state": "active",
                    "next_date": order.start_date,
                    "occurrence_index": 0,
                    **order._recurrence_anchor_values(order.start_date, 0),
                }
            )
        self._subscribe_customer()

    def action_pause(self):
        if invalid := self.filtered(lambda o: o.state != "active"):
            raise UserError(
                self.env._(
                    "Only active standing orders can be paused: %s.",
                    ", ".join(invalid.mapped("display_name")),
                )
            )
        self.write({"state": "paused"})
        return True

    def action_resume(self):
        if invalid := self.filtered(lambda o: o.state not in ("paused", "exception")):
            raise UserError(
                self.env._(
                    "Only paused standing orders or standing orders in exception can "
                    "be resumed: %s.",
                    ", ".join(invalid.mapped("display_name")),
                )
            )
        for order in self:
            order._check_ready_to_run()
        self._action_resume()
        return True

    def _action_resume(self):
        today = self._get_today()
        for order in self:
            if order.state == "paused":
                # Occurrences that fell into the pause are not made up for.
                order._skip_until(today, self.env._("paused"))
            order.write({"state": "active", "exception_reason": False})
        # Orders left unconfirmed by the problem that caused the exception
        # (credit limit, refused payment) get another chance now.
        pending = self.order_ids.filtered(
            lambda so: so.state in ("draft", "sent") and so.standing_order_date
        )
        self._process_generated_orders(pending, retry=True)
        self._send_pending_payments(pending)
        self._close_finished()

    def action_skip_next(self):
        if invalid := self.filtered(
            lambda o: o.state not in ("active", "paused", "exception")
        ):
            raise UserError(
                self.env._(
                    "Only running standing orders have a next order to skip: %s.",
                    ", ".join(invalid.mapped("display_name")),
                )
            )
        for order in self:
            skipped = order.next_date
            order._advance_schedule(1, generated=False)
            order.message_post(
                body=self.env._(
                    "The order of %(skipped)s was skipped; the next order is planned "
                    "on %(next)s.",
                    skipped=format_date(self.env, skipped),
                    next=format_date(self.env, order.next_date),
                )
            )
        self._close_finished()
        return True

    def action_cancel(self, reason=None):
        if invalid := self.filtered(lambda o: o.state in ("done", "cancelled")):
            raise UserError(
                self.env._(
                    "These standing orders are already finished: %s.",
                    ", ".join(invalid.mapped("display_name")),
                )
            )
        self.write({"state": "cancelled", "cancel_reason": reason or False})
        if reason:
            for order in self:
                order.message_post(body=self.env._("Cancellation reason: %s", reason))
        return True

    def action_draft(self):
        if invalid := self.filtered(lambda o: o.state != "cancelled"):
            raise UserError(
                self.env._(
                    "Only cancelled standing orders can be set back to draft: %s.",
                    ", ".join(invalid.mapped("display_name")),
                )
            )
        self.write({"state": "draft", "cancel_reason": False})
        return True

    def action_generate_now(self):
        """Generate the next occurrence right away (and any that are overdue).

        The order counts as that occurrence: the schedule moves on as if the
        scheduled action had generated it.
        """
        if invalid := self.filtered(lambda o: o.state != "active"):
            raise UserError(
                self.env._(
                    "Only active standing orders can generate an order: %s.",
                    ", ".join(invalid.mapped("display_name")),
                )
            )
        self._lock_for_generation()
        orders = self._generate_occurrences(self._get_today(), force_next=True)
        self._send_pending_payments(orders)
        if len(orders) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": "sale.order",
                "res_id": orders.id,
                "view_mode": "form",
            }
        return self.action_view_orders()

    def action_view_orders(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.action_orders")
        action["domain"] = [("standing_order_id", "in", self.ids)]
        action["context"] = {"create": False}
        return action

    def action_view_forecast(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "autosales_addon.action_sale_standing_order_forecast"
        )
        action["domain"] = [("standing_order_id", "in", self.ids)]
        action["view_mode"] = "list,calendar,pivot,graph"
        action["views"] = [
            (False, view_type) for view_type in action["view_mode"].split(",")
        ]
        return action

    # === CUSTOMER CHANGES (portal) === #

    def _notify_change(self, body, author=None):
        """Log a change in the chatter and notify the salesperson."""
        self.ensure_one()
        author = (
            author
            or self.env["res.partner"].browse(
                self.env.context.get("autosales_author_id")
            )
            or self.env.user.partner_id
        )
        self.message_post(
            body=body,
            author_id=author.id,
            partner_ids=self.user_id.partner_id.ids,
            subtype_xmlid="mail.mt_note",
        )

    def _check_running(self):
        self.ensure_one()
        if self.state not in ("draft", "active", "paused", "exception"):
            raise UserError(
                self.env._(
                    "Standing order %s has ended and can no longer be changed.",
                    self.name,
                )
            )

    def _change_quantity(self, line, quantity):
        """Set the quantity of ``line`` (one of this standing order's lines)."""
        self.ensure_one()
        self._check_running()
        if line not in self.line_ids:
            raise UserError(
                self.env._("This product is not part of standing order %s.", self.name)
            )
        if quantity <= 0:
            raise ValidationError(
                self.env._(
                    "The quantity of %s must be greater than zero.",
                    line.product_id.display_name,
                )
            )
        line.product_uom_qty = quantity

    def _change_interval(self, interval_number, interval_type):
        self.ensure_one()
        self._check_running()
        units = dict(self._fields["interval_type"].selection)
        if interval_type not in units or not 1 <= interval_number <= 366:
            raise ValidationError(
                self.env._(
                    "Choose an interval between 1 and 366 days, weeks, months or years."
                )
            )
        if (interval_number, interval_type) == (
            self.interval_number,
            self.interval_type,
        ):
            return
        self.write({"interval_number": interval_number, "interval_type": interval_type})
        self._notify_change(
            self.env._("Interval changed to: %s.", self._get_interval_label())
        )

    def _change_next_date(self, next_date):
        self.ensure_one()
        self._check_running()
        if next_date < self._get_today():
            raise ValidationError(
                self.env._("The next order date cannot be in the past.")
            )
        if self.end_type == "date" and next_date > self.end_date:
            raise ValidationError(
                self.env._(
                    "The next order date cannot be after the end date (%s).",
                    format_date(self.env, self.end_date),
                )
            )
        if next_date == self.next_date:
            return
        if self.state == "draft":
            self.start_date = next_date
        else:
            self.next_date = next_date
        self._notify_change(
            self.env._(
                "Next order date changed to %s.", format_date(self.env, next_date)
            )
        )

    def _change_shipping_address(self, address):
        self.ensure_one()
        self._check_running()
        if not address or address.commercial_partner_id != self.commercial_partner_id:
            raise ValidationError(
                self.env._("Choose one of your own delivery addresses.")
            )
        if address == self.partner_shipping_id:
            return
        self.partner_shipping_id = address
        self._notify_change(
            self.env._("Delivery address changed to %s.", address.display_name)
        )

    def _change_payment_token(self, token):
        self.ensure_one()
        self._check_running()
        token = token.sudo()
        if (
            not token.active
            or token.partner_id.commercial_partner_id != self.commercial_partner_id
            or (token.company_id and token.company_id != self.company_id)
        ):
            raise ValidationError(
                self.env._("Choose one of your own saved payment methods.")
            )
        self.write({"payment_mode": "pay_now", "payment_token_id": token.id})
        self._notify_change(
            self.env._("Payment method changed to %s.", token.display_name)
        )

    def _get_portal_addresses(self):
        """Delivery addresses the customer may choose from."""
        self.ensure_one()
        return self.env["res.partner"].search(
            [
                ("id", "child_of", self.commercial_partner_id.id),
                ("type", "in", ("delivery", "contact", "other")),
            ]
        )

    def _get_portal_tokens(self):
        self.ensure_one()
        return (
            self.env["payment.token"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", self.commercial_partner_id.id),
                    ("company_id", "in", (False, self.company_id.id)),
                ]
            )
        )

    # === BUSINESS METHODS === #

    @api.model
    def _get_today(self):
        """Today in the company's time zone (falling back to the user's)."""
        tz = self.env.company.partner_id.tz or self.env.user.tz or "UTC"
        return fields.Date.context_today(self.with_context(tz=tz))

    def _check_ready_to_run(self):
        """Raise a clear error when this standing order cannot run."""
        self.ensure_one()
        if not self.line_ids:
            raise ValidationError(
                self.env._(
                    "Add at least one product to standing order %s.", self.display_name
                )
            )
        if error := self._get_payment_error():
            raise ValidationError(error)

    def _get_payment_error(self):
        """Return why the payment mode cannot be used for this customer, or ''."""
        self.ensure_one()
        customer = self.commercial_partner_id.sudo()
        if self.payment_mode == "on_account" and not customer.on_account_allowed:
            return self.env._(
                "%(customer)s is not approved for orders charged to their account: ask "
                "a sales manager to approve it or choose a saved payment method "
                "(standing order %(name)s).",
                customer=customer.display_name,
                name=self.display_name,
            )
        if self.payment_mode == "pay_now":
            token = self.payment_token_id.sudo()
            if not token:
                return self.env._(
                    "Standing order %s is paid with a saved payment method: choose "
                    "one.",
                    self.display_name,
                )
            if not token.active or token.partner_id.commercial_partner_id != customer:
                return self.env._(
                    "The saved payment method of standing order %s is no longer "
                    "available: choose another one.",
                    self.display_name,
                )
        return ""

    def _get_generation_error(self):
        """Return why no order can be generated right now, or ''."""
        self.ensure_one()
        partner = self.partner_id.sudo()
        if not partner.active:
            return self.env._("The customer %s is archived.", partner.display_name)
        if not self.partner_shipping_id.active or not self.partner_invoice_id.active:
            return self.env._(
                "The delivery or invoice address of %s is missing.", self.display_name
            )
        if not self.line_ids:
            return self.env._("Standing order %s has no products.", self.display_name)
        for line in self.line_ids:
            product = line.product_id.sudo()
            if not product.active or not product.sale_ok:
                return self.env._(
                    "The product %s can no longer be sold.", product.display_name
                )
            if product.company_id and product.company_id != self.company_id:
                return self.env._(
                    "The product %(product)s belongs to another company than %(name)s.",
                    product=product.display_name,
                    name=self.display_name,
                )
        if self.pricelist_id and self.pricelist_id.currency_id != self.currency_id:
            return self.env._(
                "The currency of the pricelist of %s has changed.", self.display_name
            )
        return self._get_payment_error()

    def _subscribe_customer(self):
        for order in self:
            order.message_subscribe(partner_ids=order.partner_id.ids)

    def _advance_schedule(self, count, generated=True):
        """Move past ``count`` occurrences, generated or skipped."""
        self.ensure_one()
        index = self.occurrence_index + count
        vals = {
            "occurrence_index": index,
            "next_date": self._get_occurrence_date(index),
        }
        if generated:
            vals["generated_count"] = self.generated_count + count
        # ``super().write`` keeps the anchor: this is the schedule moving on,
        # not someone moving it.
        return super().write(vals)

    def _skip_until(self, date, reason):
        """Skip the occurrences before ``date`` and say so in the chatter."""
        self.ensure_one()
        skipped = 0
        while self._get_occurrence_date(self.occurrence_index + skipped) < date:
            skipped += 1
        if skipped:
            first = self.next_date
            self._advance_schedule(skipped, generated=False)
            self.message_post(
                body=self.env._(
                    "%(count)s order(s) from %(first)s on were not generated while the "
                    "standing order was %(reason)s; the next order is planned on "
                    "%(next)s.",
                    count=skipped,
                    first=format_date(self.env, first),
                    reason=reason,
                    next=format_date(self.env, self.next_date),
                )
            )

    def _is_schedule_exhausted(self):
        self.ensure_one()
        if self.end_type == "count":
            return self.generated_count >= self.max_occurrences
        if self.end_type == "date":
            return self.next_date > self.end_date
        return False

    def _close_finished(self):
        finished = self.filtered(
            lambda o: o.state in ("active", "paused") and o._is_schedule_exhausted()
        )
        finished.write({"state": "done"})
        for order in finished:
            order.message_post(
                body=self.env._("The last order of this standing order was generated.")
            )

    def _get_due_occurrence_dates(self, until, force_next=False):
        """Dates of the occurrences to generate now, oldest first."""
        self.ensure_one()
        dates = []
        index, generated = self.occurrence_index, self.generated_count
        while len(dates) < MAX_OCCURRENCES_PER_PASS:
            date = self._get_occurrence_date(index)
            if date > until and not (force_next and not dates):
                break
            if self.end_type == "date" and date > self.end_date:
                break
            if self.end_type == "count" and generated >= self.max_occurrences:
                break
            dates.append(date)
            index += 1
            generated += 1
        return dates

    def _set_exception(self, reason):
        """Stop this standing order and tell its salesperson why."""
        today = self._get_today()
        for order in self:
            values = {"state": "exception", "exception_reason": reason}
            if order.state != "exception":
                values["exception_date"] = today
            order.write(values)
            order.message_post(body=self.env._("Standing order stopped: %s", reason))
            order.activity_schedule(
                "autosales_addon.mail_activity_type_standing_exception",
                summary=self.env._("Standing order needs attention"),
                note=reason,
                user_id=order.user_id.id or self.env.user.id,
            )
        self.env["autosales.reminder.rule"]._create_trigger_reminders(
            "standing_order_exception", self
        )

    def _get_exception_date(self):
        """Day this standing order went to exception."""
        self.ensure_one()
        return self.exception_date or fields.Date.to_date(self.write_date)

    def _lock_for_generation(self):
        """Lock the rows of ``self`` or explain that a generation holds them."""
        if not self:
            return
        self.flush_model()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM sale_standing_order WHERE id IN %s FOR UPDATE "
                        "NOWAIT",
                        tuple(self.ids),
                    )
                )
        except psycopg2.errors.LockNotAvailable as error:
            raise UserError(
                self.env._(
                    "Orders of %s are being generated right now: try again in a "
                    "moment.",
                    ", ".join(self.mapped("display_name")),
                )
            ) from error
        # Another transaction may have moved the schedule since our snapshot.
        self.invalidate_recordset()

    @api.model
    def _get_due_domain(self, until):
        """Domain of the standing orders with an occurrence due on or before
        ``until``."""
        return [("state", "=", "active"), ("next_date", "<=", until)]

    @api.model
    def _claim_due(self, until, limit=None):
        """Lock and return due standing orders no other transaction holds.

        Rows locked by another worker are skipped, so concurrent workers share
        the due work instead of waiting for (or duplicating) each other.

        The customers whose credit limit will be checked are locked at once
        too, so that a conflict over their credit shows as the transaction
        starts, when a retry costs nothing. Standing orders of a customer
        whose credit another worker is checking are left to that worker: two
        workers never check the credit of one customer at the same time.
        """
        domain = self._get_due_domain(until)
        if self.ids:
            domain = expression.AND([domain, [("id", "in", self.ids)]])
        self.env.flush_all()
        busy_customers = []
        while True:
            with self.env.cr.savepoint(flush=False) as savepoint:
                query = self._search(
                    expression.AND(
                        [domain, [("commercial_partner_id", "not in", busy_customers)]]
                    )
                    if busy_customers
                    else domain,
                    order="next_date, id",
                    limit=limit,
                )
                self.env.cr.execute(SQL("%s FOR UPDATE SKIP LOCKED", query.select()))
                claimed = self.browse([row[0] for row in self.env.cr.fetchall()])
                customers = claimed._get_credit_checked_customers()
                if not customers:
                    return claimed
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM res_partner WHERE id IN %s ORDER BY id "
                        "FOR NO KEY UPDATE SKIP LOCKED",
                        tuple(customers.ids),
                    )
                )
                locked = {row[0] for row in self.env.cr.fetchall()}
                if len(locked) == len(customers):
                    return claimed
                # Release this claim and claim again without those customers.
                busy_customers += [id_ for id_ in customers.ids if id_ not in locked]
                savepoint.rollback()

    def _get_credit_checked_customers(self):
        """Customers (commercial partners) of ``self`` whose generated orders
        will be checked against a credit limit."""
        customers = self.env["res.partner"]
        for standing in self:
            if (
                standing.payment_mode == "on_account"
                and standing.auto_confirm
                and standing.company_id.account_use_credit_limit
                and standing.commercial_partner_id.sudo()
                .with_company(standing.company_id)
                .credit_limit
            ):
                customers |= standing.commercial_partner_id
        return customers

    @api.model
    def _generate_due_orders(self, until=None, limit=None):
        """Generate every due occurrence not generated yet.

        :param date until: last occurrence date to generate (default: today in
            the company's time zone)
        :param int limit: claim at most this many standing orders
        :return: the generated ``sale.order`` records
        """
        until = until or self._get_today()
        standing_orders = self._claim_due(until, limit=limit)
        orders = standing_orders._generate_occurrences(until)
        standing_orders._send_pending_payments(orders)
        return orders

    def _generate_occurrences(self, until, force_next=False):
        """Create (and process) the orders of the due occurrences of ``self``.

        ``self`` must be locked by the caller. Failures are isolated: a
        standing order that cannot be generated goes to exception and the
        others proceed.
        """
        plan = {}
        for standing in self:
            if error := standing._get_generation_error():
                standing._set_exception(error)
                continue
            dates = standing._get_due_occurrence_dates(until, force_next=force_next)
            if dates:
                plan[standing] = dates
        orders = self._create_occurrence_orders(plan)
        for standing, dates in plan.items():
            # Either every date of the plan has its order now, or the standing
            # order went to exception and keeps its schedule for a retry.
            if standing.state == "active":
                standing._advance_schedule(len(dates))
        self._process_generated_orders(orders)
        self._close_finished()
        return orders

    def _create_occurrence_orders(self, plan):
        """Create the orders of ``plan`` ({standing order: [dates]}).

        One batched ``create`` for the whole plan; when it fails, each standing
        order is retried on its own so only the faulty ones go to exception.
        """
        SaleOrder = self.env["sale.order"]
        if not plan:
            return SaleOrder
        try:
            with self.env.cr.savepoint():
                orders = SaleOrder.create(
                    [
                        standing._prepare_order_values(date)
                        for standing, dates in plan.items()
                        for date in dates
                    ]
                )
                orders._check_standing_order_prices()
            return orders
        except RETRYABLE_ERRORS:
            raise
        except Exception:  # noqa: BLE001 - retried one by one below
            _logger.info(
                "Batch generation failed, generating standing orders one by one"
            )
        orders = SaleOrder
        for standing, dates in plan.items():
            try:
                with self.env.cr.savepoint():
                    created = SaleOrder.create(
                        [standing._prepare_order_values(date) for date in dates]
                    )
                    created._check_standing_order_prices()
                orders |= created
            except RETRYABLE_ERRORS:
                raise
            except psycopg2.errors.UniqueViolation:
                orders |= standing._create_missing_occurrence_orders(dates)
            except (UserError, ValidationError) as error:
                standing._set_exception(str(error.args[0]))
            except Exception as error:
                _logger.exception(
                    "Standing order %s could not be generated", standing.name
                )
                standing._set_exception(
                    self.env._(
                        "The order could not be generated: %s", error.__class__.__name__
                    )
                )
        return orders

    def _create_missing_occurrence_orders(self, dates):
        """Another transaction generated some of ``dates`` already: create the rest."""
        self.ensure_one()
        existing = set(
            self.env["sale.order"]
            .search(
                [
                    ("standing_order_id", "=", self.id),
                    ("standing_order_date", "in", dates),
                ]
            )
            .mapped("standing_order_date")
        )
        missing = [date for date in dates if date not in existing]
        self.message_post(
            body=self.env._(
                "Orders already existed for %s; they were not generated again.",
                ", ".join(format_date(self.env, date) for date in sorted(existing)),
            )
        )
        if not missing:
            return self.env["sale.order"]
        with self.env.cr.savepoint():
            return self.env["sale.order"].create(
                [self._prepare_order_values(date) for date in missing]
            )

    def _prepare_order_values(self, occurrence_date):
        """Values of the ``sale.order`` generated for ``occurrence_date``."""
        self.ensure_one()
        values = {
            "partner_id": self.partner_id.id,
            "partner_invoice_id": self.partner_invoice_id.id,
            "partner_shipping_id": self.partner_shipping_id.id,
            "company_id": self.company_id.id,
            "user_id": self.user_id.id,
            "team_id": self.team_id.id,
            "client_order_ref": self.client_order_ref,
            "origin": self.name,
            "standing_order_id": self.id,
            "standing_order_date": occurrence_date,
            "order_line": [
                Command.create(line._prepare_order_line_values())
                for line in self.line_ids
            ],
        }
        if self.pricelist_id:
            values["pricelist_id"] = self.pricelist_id.id
        if self.note:
            values["note"] = self.note
        if self.lead_days:
            values["commitment_date"] = fields.Datetime.add(
                fields.Datetime.to_datetime(occurrence_date),
                days=self.lead_days,
                hours=12,
            )
        if self.payment_mode == "pay_now":
            values.update(require_payment=True, prepayment_percent=1.0)
        return values

    def _process_generated_orders(self, orders, retry=False):
        """Confirm the generated ``orders`` that may be confirmed.

        On-account orders are confirmed when the customer is approved and the
        order fits in the credit limit; pay-now orders get a payment
        transaction, charged by :meth:`_send_pending_payments`.
        """
        orders = orders.filtered(lambda so: so.standing_order_id.auto_confirm)
        on_account = orders.filtered(
            lambda so: so.standing_order_id.payment_mode == "on_account"
        )
        accepted, refused = on_account._check_on_account_credit()
        for order, reason in refused.items():
            order.standing_order_id._set_exception(reason)
        self._confirm_orders(accepted)
        pay_now = orders - on_account
        pay_now._autosales_prepare_payment(retry=retry)

    def _confirm_orders(self, orders):
        if not orders:
            return
        try:
            with self.env.cr.savepoint():
                orders.action_confirm()
        except RETRYABLE_ERRORS:
            raise
        except Exception:  # noqa: BLE001 - confirmed one by one below
            _logger.info("Batch confirmation failed, confirming orders one by one")
            orders = self._confirm_orders_one_by_one(orders)
        orders._autosales_send_confirmation_mail()

    def _confirm_orders_one_by_one(self, orders):
        """Confirm each order in its own savepoint; return those confirmed."""
        confirmed = orders.browse()
        for order in orders:
            try:
                with self.env.cr.savepoint():
                    order.action_confirm()
                confirmed |= order
            except RETRYABLE_ERRORS:
                raise
            except Exception as error:  # noqa: BLE001 - the standing order reports it
                if not isinstance(error, UserError | ValidationError):
                    _logger.exception("Order %s could not be confirmed", order.name)
                order.standing_order_id._set_exception(
                    self.env._(
                        "Order %(order)s could not be confirmed: %(error)s",
                        order=order.name,
                        error=error.args[0] if error.args else error.__class__.__name__,
                    )
                )
        return confirmed

    def _send_pending_payments(self, orders):
        """Charge the saved payment method of the pay-now ``orders``."""
        orders.filtered(
            lambda so: so.standing_order_id.payment_mode == "pay_now"
            and so.state in ("draft", "sent")
        )._autosales_send_payment()

    # === CRON METHODS === #

    @api.model
    def _cron_generate_orders(self, until=None, batch_size=DEFAULT_BATCH_SIZE):
        """Scheduled action: generate due orders batch by batch.

        Each batch is committed on its own (outside tests) so that a crash
        loses at most the batch in progress, which the next run completes.
        Payments are requested after the batch that created their order is
        committed, so a crash can never lose the record of a charge. Stock is
        reserved after the commit too, in short transactions: reservations
        are where parallel workers collide.
        """
        until = until or self._get_today()
        if self._use_queue_job():
            self._enqueue_generation(until, batch_size)
            return 0
        done = 0
        while True:
            orders = self._run_batch(until, batch_size)
            if orders is None:
                break
            done += len(orders)
            remaining = self.search_count(self._get_due_domain(until))
            self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
            if not remaining:
                break
        return done

    def _run_batch(self, until, batch_size):
        """Claim, generate and commit one batch, then charge and reserve
        what it generated. Return the orders, or None when nothing was due."""
        batcher = self.with_context(autosales_defer_reservation=True)
        orders = self._with_serialization_retry(
            lambda: batcher._generate_batch(until, batch_size)
        )
        if orders is None:
            return None
        self._commit_progress()
        batcher._send_pending_payments_committed(orders)
        self._reserve_generated_orders(orders)
        return orders

    # === SCALE-OUT (OCA queue_job, optional) === #

    @api.model
    def _use_queue_job(self):
        """Whether the generation fans out over OCA queue_job: the module is
        installed (it is not a dependency) and enabled in the settings."""
        return "queue.job" in self.env and str2bool(
            self.env["ir.config_parameter"].sudo().get_param(QUEUE_JOB_PARAM, "False")
        )

    @api.model
    def _enqueue_generation(self, until, batch_size):
        """Enqueue one job per batch of due standing orders.

        The identity key of a job is made of its standing orders and date:
        enqueuing the same batch again while its job waits is a no-op. Jobs
        overlapping anyway (the due set changed between two runs) cannot
        generate an occurrence twice: each claims and locks its standing
        orders as the in-process generation does.
        """
        domain = self._get_due_domain(until)
        if self.ids:
            domain = expression.AND([domain, [("id", "in", self.ids)]])
        due = self.search(domain, order="next_date, id")
        jobs = []
        for ids in split_every(batch_size, due.ids, list):
            digest = hashlib.sha1(
                f"{until}:{','.join(map(str, ids))}".encode()
            ).hexdigest()
            jobs.append(
                self.browse(ids)
                .with_delay(
                    channel=QUEUE_JOB_CHANNEL,
                    identity_key=f"autosales-generation-{digest}",
                    description=self.env._(
                        "Generate the orders of %(count)s standing orders due by "
                        "%(date)s",
                        count=len(ids),
                        date=until,
                    ),
                )
                ._job_generate_orders(until)
            )
        _logger.info(
            "Enqueued %s generation jobs of %s standing orders", len(jobs), len(due)
        )
        return jobs

    def _job_generate_orders(self, until):
        """Job of OCA queue_job: generate the due occurrences of ``self``.

        Standing orders still due afterwards were held by another worker (or
        have more occurrences due than one pass makes): the job runs again a
        little later for them.
        """
        from odoo.addons.queue_job.exception import (
            RetryableJobError,  # noqa: PLC0415 - optional module
        )

        done = 0
        while orders := self._run_batch(until, len(self)):
            done += len(orders)
        self.invalidate_recordset()
        if still_due := self.filtered_domain(self._get_due_domain(until)):
            raise RetryableJobError(
                f"{len(still_due)} standing orders still due",
                seconds=QUEUE_JOB_RETRY_SECONDS,
                ignore_retry=True,
            )
        return f"{done} orders generated"

    def _generate_batch(self, until, batch_size):
        standing_orders = self._claim_due(until, limit=batch_size)
        if not standing_orders:
            return None
        return standing_orders._generate_occurrences(until)

    def _reserve_generated_orders(self, orders):
        """Reserve the stock of the deliveries of ``orders``, confirmed by a
        batch that left the reservation to later (see ``stock.move``).

        When the retries are exhausted, the moves stay waiting for Odoo's
        scheduler to reserve them: the orders themselves are committed.
        """
        today = fields.Date.context_today(self)
        moves = orders.with_context(
            autosales_defer_reservation=False
        ).picking_ids.move_ids.filtered(
            lambda move: move.state in ("confirmed", "partially_available")
            and (
                move.picking_type_id.reservation_method == "at_confirm"
                or (move.reservation_date and move.reservation_date <= today)
            )
        )
        if not moves:
            return
        try:
            # No "Waiting -> Ready" tracking on the deliveries: reserved at
            # confirmation, they never showed one.
            self._with_serialization_retry(
                moves.with_context(mail_notrack=True)._action_assign
            )
        except RETRYABLE_ERRORS:
            if odoo_module.current_test:
                raise
            self.env.cr.rollback()
            _logger.warning(
                "Stock of %s orders not reserved (conflicts): left to the scheduler",
                len(orders),
            )
        self._commit_progress()

    def _send_pending_payments_committed(self, orders):
        # Only pay-now orders have something to charge: selecting them on the
        # whole batch first spares a commit (and its cache reset) per order.
        pay_now = orders.filtered(
            lambda so: so.standing_order_id.payment_mode == "pay_now"
        )
        for order in pay_now:
            self._send_pending_payments(order)
            self._commit_progress()

    @api.model
    def _with_serialization_retry(self, func, attempts=8):
        """Run ``func``; retry it in a new transaction when it lost a race
        (serialization failure, lock timeout, deadlock).

        The wait before each retry grows and is random, so that workers that
        collided do not collide again. In tests (a single transaction) the
        error is raised as is.
        """
        for attempt in range(attempts):
            try:
                return func()
            except RETRYABLE_ERRORS:
                if odoo_module.current_test or attempt == attempts - 1:
                    raise
                _logger.info("Standing order generation conflicted, retrying")
                self.env.cr.rollback()
                self.env.invalidate_all()
                time.sleep(random.uniform(0, min(0.05 * 2**attempt, 2.0)))
        return None

    def _commit_progress(self):
        if not odoo_module.current_test:
            self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _cron_send_upcoming_notices(self, today=None):
        """Tell customers a few days ahead that their next order is coming."""
        today = today or self._get_today()
        max_days = max(
            self.env["res.company"]
            .sudo()
            .search([("autosales_notice_days", ">", 0)])
            .mapped("autosales_notice_days")
            or [0]
        )
        if max_days <= 0:
            return
        candidates = self.search(
            [
                ("state", "=", "active"),
                ("next_date", ">", today),
                ("next_date", "<=", fields.Date.add(today, days=max_days)),
            ]
        )
        to_notify = candidates.filtered(
            lambda o: o.upcoming_notice_date != o.next_date
            and o.company_id.autosales_notice_days > 0
            and o.next_date
            <= fields.Date.add(today, days=o.company_id.autosales_notice_days)
        )
        template = self.env.ref("autosales_addon.mail_template_standing_order_upcoming")
        for order in to_notify:
            order.message_post_with_source(
                template,
                subtype_xmlid="mail.mt_comment",
                email_layout_xmlid="mail.mail_notification_light",
            )
            order.upcoming_notice_date = order.next_date
        return to_notify
