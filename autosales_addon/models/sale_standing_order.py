import logging
import math
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import format_date
from odoo.tools.misc import formatLang

from .res_company import INVOICING_MODES, MAX_PREVIEW_DAYS, PREVIEW_POLICIES
from .sale_standing_order_line import MAX_QUANTITY

_logger = logging.getLogger(__name__)


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
        # The kanban's columns in the order of the lifecycle.
        group_expand=True,
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
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        compute="_compute_warehouse_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
        tracking=True,
        help="Warehouse the orders are delivered from: the forecast checks the "
        "stock of this warehouse. Proposed as for a new quotation.",
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
        help="Date of the next order to generate: the date of the next occurrence, "
        "moved to a working day or to a delivery day of the customer when the "
        "company's settings or the customer ask for it.",
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
        compute="_compute_payment_mode",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        tracking=True,
        help="By default what the customer can use: their account when a sales "
        "manager approved it, otherwise a saved payment method.",
    )
    payment_token_id = fields.Many2one(
        "payment.token",
        string="Saved Payment Method",
        compute="_compute_payment_token_id",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        check_company=True,
        domain="[('partner_id', 'child_of', commercial_partner_id), "
        "('company_id', 'in', (False, company_id))]",
    )
    invoicing_mode = fields.Selection(
        selection=INVOICING_MODES,
        string="Invoicing",
        compute="_compute_invoicing_mode",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        tracking=True,
        help="Manually: from Sales › To Invoice, as other orders. When the order "
        "is confirmed: each order is invoiced (ordered quantities) and the invoice "
        "sent at once. When the order is delivered: each order is invoiced "
        "(delivered quantities) once its delivery is validated, by a daily "
        "scheduled action. Applies to the orders generated from now on.",
    )
    preview_days = fields.Integer(
        string="Prepare Ahead (days)",
        compute="_compute_preview_settings",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        help="Prepare each order this many days before its date, as a quotation "
        "the customer is emailed and can adjust (this order only), give a "
        "purchase order number for, confirm or skip in the portal. 0: orders are "
        "made on their date.",
    )
    preview_policy = fields.Selection(
        selection=PREVIEW_POLICIES,
        string="If the Customer Does Nothing",
        compute="_compute_preview_settings",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        tracking=True,
        help="What happens on its date to a prepared order the customer neither "
        "confirmed nor skipped: it is confirmed as usual, or the standing order "
        "waits for the customer (exception, with an activity for the "
        "salesperson; the customer is reminded the day before).",
    )
    prepare_date = fields.Date(
        string="Preparation Date",
        compute="_compute_prepare_date",
        store=True,
        index="btree_not_null",
        help="Day the next order is prepared for the customer.",
    )
    prepared_order_id = fields.Many2one(
        "sale.order",
        copy=False,
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The next order, prepared ahead for the customer to review.",
    )
    prepared_order_state = fields.Selection(
        related="prepared_order_id.autosales_preview_state",
        string="Prepared Order Status",
    )
    exception_waiting = fields.Boolean(
        string="Waiting for the Customer",
        copy=False,
        readonly=True,
        help="Stopped because the customer has not confirmed the prepared order "
        "yet: runs again on its own once they confirm or skip it.",
    )
    invoice_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        compute="_compute_invoices",
        compute_sudo=True,
    )
    invoice_count = fields.Integer(compute="_compute_invoices", compute_sudo=True)
    amount_invoiced = fields.Monetary(
        string="Invoiced",
        compute="_compute_invoices",
        compute_sudo=True,
        currency_field="currency_id",
        help="Total of the posted invoices and credit notes of its orders.",
    )
    exception_overdue = fields.Boolean(
        string="Held for Overdue Invoices",
        copy=False,
        readonly=True,
        help="Stopped because the customer has overdue invoices: runs again on its "
        "own once they are paid.",
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
    cancel_reason_id = fields.Many2one(
        "autosales.cancel.reason",
        string="Cancellation Reason",
        copy=False,
        readonly=True,
        tracking=True,
        ondelete="restrict",
    )
    cancel_reason = fields.Text(
        string="Cancellation Note",
        copy=False,
        readonly=True,
        help="What the customer or the salesperson said when cancelling.",
    )
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
    payment_method_lost = fields.Boolean(
        string="Payment Method Removed",
        copy=False,
        readonly=True,
        help="The saved payment method was removed; the customer was asked to "
        "choose another one.",
    )
    activation_warning = fields.Text(
        compute="_compute_activation_warning",
        help="Why this draft standing order cannot be activated yet, and who can "
        "fix it.",
    )
    amount_untaxed = fields.Monetary(
        string="Amount per Order",
        compute="_compute_amount_untaxed",
        compute_sudo=True,
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

    @api.depends("partner_id")
    def _compute_payment_mode(self):
        for order in self:
            if order.state not in (False, "draft") and order.payment_mode:
                # A running standing order keeps how it is paid.
                order.payment_mode = order.payment_mode
                continue
            customer = order.partner_id.commercial_partner_id.sudo()
            order.payment_mode = (
                "pay_now"
                if customer and not customer.on_account_allowed
                else "on_account"
            )

    @api.depends("company_id")
    def _compute_invoicing_mode(self):
        for order in self:
            if not order.invoicing_mode or order.state in (False, "draft"):
                order.invoicing_mode = (
                    order.company_id or self.env.company
                ).autosales_invoicing_mode

    @api.depends("company_id")
    def _compute_preview_settings(self):
        for order in self:
            if order.state in (False, "draft") or not order.preview_policy:
                company = order.company_id or self.env.company
                order.preview_days = company.autosales_preview_days
                order.preview_policy = company.autosales_preview_policy

    @api.depends("next_date", "preview_days", "state")
    def _compute_prepare_date(self):
        for order in self:
            order.prepare_date = (
                order.next_date - timedelta(days=order.preview_days)
                if order.preview_days > 0
                and order.next_date
                and order.state == "active"
                else False
            )

    @api.depends(
        "order_ids.invoice_ids.state",
        "order_ids.invoice_ids.amount_total",
        "source_order_id.state",
        "source_order_id.invoice_ids.state",
    )
    def _compute_invoices(self):
        for order in self:
            invoices = order._get_all_orders().invoice_ids.filtered(
                lambda move: move.move_type in ("out_invoice", "out_refund")
            )
            order.invoice_ids = invoices
            order.invoice_count = len(invoices)
            order.amount_invoiced = sum(
                invoice.currency_id._convert(
                    invoice.amount_total_in_currency_signed,  # credit notes < 0
                    order.currency_id,
                    order.company_id,
                    invoice.invoice_date or fields.Date.context_today(order),
                )
                for invoice in invoices
                if invoice.state == "posted"
            )

    @api.depends("partner_id", "payment_mode", "company_id")
    def _compute_payment_token_id(self):
        for order in self:
            token = order.payment_token_id
            customer = order.partner_id.commercial_partner_id
            if order.payment_mode != "pay_now" or (
                token and token.sudo().partner_id.commercial_partner_id == customer
            ):
                order.payment_token_id = token
                continue
            # The customer's most recent saved payment method, if any.
            order.payment_token_id = (
                self.env["payment.token"]
                .sudo()
                .search(
                    [
                        ("partner_id", "child_of", customer.id),
                        ("company_id", "in", (False, order.company_id.id)),
                    ],
                    order="id desc",
                    limit=1,
                )
                if customer
                else False
            )

    @api.depends("state", "payment_mode", "payment_token_id", "partner_id")
    def _compute_activation_warning(self):
        for order in self:
            warning = False
            if order.state == "draft" and order.partner_id:
                customer = order.commercial_partner_id.sudo()
                if (
                    order.payment_mode == "on_account"
                    and not customer.on_account_allowed
                ):
                    warning = self.env._(
                        "%s is not approved for orders charged to their account: a "
                        "sales manager can approve the customer (on its contact), or "
                        "choose a saved payment method.",
                        customer.display_name,
                    )
                elif order.payment_mode == "pay_now" and not order.payment_token_id:
                    warning = self.env._(
                        "%s has no saved payment method yet: send the customer the "
                        "link to save one (Send Card Request), then activate.",
                        customer.display_name,
                    )
            order.activation_warning = warning

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

    @api.depends("user_id", "company_id")
    def _compute_warehouse_id(self):
        for order in self:
            if (
                order.warehouse_id
                and order.state != "draft"
                and order.warehouse_id.company_id == order.company_id
            ):
                # A running standing order keeps the warehouse it ships from.
                continue
            # The warehouse a quotation of this salesperson and company gets.
            order.warehouse_id = (
                self.env["ir.default"]
                .with_company(order.company_id)
                ._get_model_defaults("sale.order")
                .get("warehouse_id")
                or order.user_id.with_company(
                    order.company_id
                )._get_default_warehouse_id()
            )

    @api.depends("start_date", "company_id", "partner_id")
    def _compute_next_date(self):
        for order in self:
            if order.start_date and (order.state == "draft" or not order.next_date):
                order.next_date = order._shift_occurrence_dates([order.start_date])[
                    order.start_date
                ]
            elif not order.next_date:
                order.next_date = order.start_date

    @api.depends("order_ids", "order_ids.autosales_preview_state")
    def _compute_order_count(self):
        counts = dict(
            self.env["sale.order"]._read_group(
                self._get_placed_orders_domain(),
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

    @api.constrains("preview_days")
    def _check_preview_days(self):
        for order in self:
            if not 0 <= order.preview_days <= MAX_PREVIEW_DAYS:
                raise ValidationError(
                    self.env._(
                        "Orders can be prepared between 0 and %(max)s days ahead "
                        "(standing order %(name)s).",
                        max=MAX_PREVIEW_DAYS,
                        name=order.display_name,
                    )
                )

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
        if "payment_token_id" in vals:
            vals = {**vals, "payment_method_lost": False}
        moved = "next_date" in vals
        re_anchor = moved or {"interval_number", "interval_type"} & vals.keys()
        # A new interval continues from the date of the next occurrence, not
        # from the day it was moved to (which would shift all the next ones).
        next_dates = {
            order: order._get_occurrence_date(order.occurrence_index)
            for order in self
            if re_anchor
            and not moved
            and order.state != "draft"
            and order.recurrence_anchor_date
        }
        res = super().write(vals)
        if re_anchor:
            # The schedule continues from the (possibly new) next date with the
            # (possibly new) interval: re-anchor there so later occurrences
            # are computed from it.
            anchored = self.filtered(lambda o: o.state != "draft" and o.next_date)
            for order in anchored:
                super(SaleStandingOrder, order).write(
                    order._recurrence_anchor_values(
                        next_dates.get(order, order.next_date)
                    )
                )
            anchored._reschedule()
            self._move_prepared_orders()
        elif {"partner_id", "company_id"} & vals.keys():
            # Another customer's delivery days, another company's calendar.
            self.filtered(lambda o: o.state != "draft")._reschedule()
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
        self.check_access("write")
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
        self.check_access("write")
        if invalid := self.filtered(lambda o: o.state != "active"):
            raise UserError(
                self.env._(
                    "Only active standing orders can be paused: %s.",
                    ", ".join(invalid.mapped("display_name")),
                )
            )
        self.write({"state": "paused"})
        self._drop_prepared_orders()
        self._withdraw_upcoming_reminders()
        return True

    def action_resume(self):
        self.check_access("write")
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
        released = self.browse()
        for order in self:
            prepared = order.prepared_order_id
            if (
                order.exception_waiting
                and prepared.autosales_preview_state == "waiting"
            ):
                # Resumed without the customer's answer: the prepared order
                # is placed as it stands.
                prepared.autosales_preview_state = "released"
                released |= order
                if order._is_next_occurrence(prepared):
                    order._advance_schedule(1)
            if order.state == "paused":
                # Occurrences that fell into the pause are not made up for.
                order._skip_until(order._get_today(), self.env._("paused"))
            order.write(
                {
                    "state": "active",
                    "exception_reason": False,
                    "exception_overdue": False,
                    "exception_waiting": False,
                }
            )
        self._close_exception_activities()
        released._close_upcoming_reminders()
        self._remind_again_of_upcoming_orders()
        # Orders left unconfirmed by the problem that caused the exception
        # (credit limit, refused payment) get another chance now.
        pending = self.order_ids._autosales_filter_pending()
        self._process_generated_orders(pending, retry=True)
        self._send_pending_payments(pending)
        self._close_finished()

    def action_skip_next(self):
        self.check_access("write")
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
            prepared = order.prepared_order_id._autosales_filter_waiting()
            if prepared and order._is_next_occurrence(prepared):
                # Its cancellation skips the occurrence and says so.
                order._skip_prepared_order()
                continue
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
        self._withdraw_upcoming_reminders()
        self._close_finished()
        return True

    def action_open_cancel_wizard(self):
        """The Cancel button: ask why before cancelling."""
        self.check_access("write")
        self._check_cancellable()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Cancel Standing Order"),
            "res_model": "sale.standing.order.cancel",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_standing_order_ids": self.ids},
        }

    def action_cancel(self, reason=None, cancel_reason_id=None):
        """Cancel these standing orders: no more orders are generated.

        :param str reason: a free text (what the customer or the salesperson
            said), kept as the cancellation note
        :param int cancel_reason_id: why: the id of an
            ``autosales.cancel.reason`` (counted in the churn of the recurring
            revenue report)
        """
        self.check_access("write")
        self._check_cancellable()
        self.write(
            {
                "state": "cancelled",
                "cancel_reason": reason or False,
                "cancel_reason_id": cancel_reason_id or False,
            }
        )
        self._drop_prepared_orders()
        self._withdraw_upcoming_reminders()
        if reason:
            for order in self:
                order.message_post(body=self.env._("Cancellation note: %s", reason))
        return True

    def action_draft(self):
        self.check_access("write")
        if invalid := self.filtered(lambda o: o.state != "cancelled"):
            raise UserError(
                self.env._(
                    "Only cancelled standing orders can be set back to draft: %s.",
                    ", ".join(invalid.mapped("display_name")),
                )
            )
        self.write(
            {"state": "draft", "cancel_reason": False, "cancel_reason_id": False}
        )
        return True

    def action_generate_now(self):
        """Generate the next occurrence right away (and any that are overdue).

        The order counts as that occurrence: the schedule moves on as if the
        scheduled action had generated it.
        """
        self.check_access("write")
        if invalid := self.filtered(lambda o: o.state != "active"):
            raise UserError(
                self.env._(
                    "Only active standing orders can generate an order: %s.",
                    ", ".join(invalid.mapped("display_name")),
                )
            )
        self._lock_for_generation()
        # Placing it now answers a prepared order: it counts as confirmed.
        orders = self.with_context(
            autosales_release_prepared=True
        )._generate_occurrences(self._get_today(), force_next=True)
        self._send_pending_payments(orders)
        if len(orders) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": "sale.order",
                "res_id": orders.id,
                "view_mode": "form",
            }
        return self.action_view_orders()

    def _get_form_action(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.standing.order",
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def action_send_card_request(self):
        """Email the customer a link to save the payment method this standing
        order will be charged with (on its page in the customer portal)."""
        self.ensure_one()
        self.check_access("write")
        template = self.env.ref("autosales_addon.mail_template_standing_card_request")
        return {
            "type": "ir.actions.act_window",
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_template_id": template.id,
                "default_composition_mode": "comment",
                "default_email_layout_xmlid": "mail.mail_notification_light",
                "force_email": True,
            },
        }

    def action_view_orders(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.action_orders")
        action["domain"] = self._get_placed_orders_domain()
        action["context"] = {"create": False}
        return action

    def action_view_invoices(self):
        return self.env["sale.order"].action_view_invoice(invoices=self.invoice_ids)

    def action_view_forecast(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "autosales_addon.action_sale_standing_order_forecast"
        )
        action["domain"] = [("standing_order_id", "in", self.ids)]
        # Whatever its state: a paused one is forecast as if it resumed.
        action["context"] = {}
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

    def _check_cancellable(self):
        if invalid := self.filtered(lambda o: o.state in ("done", "cancelled")):
            raise UserError(
                self.env._(
                    "These standing orders are already finished: %s.",
                    ", ".join(invalid.mapped("display_name")),
                )
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
        if not math.isfinite(quantity) or not 0 < quantity <= MAX_QUANTITY:
            raise ValidationError(
                self.env._(
                    "The quantity of %(product)s must be greater than zero and at "
                    "most %(max)s.",
                    product=line.product_id.display_name,
                    max=formatLang(self.env, MAX_QUANTITY, digits=0),
                )
            )
        line.product_uom_qty = quantity

    def _change_interval(self, interval_number, interval_type):
        self.ensure_one()
        self._check_running()
        if error := self._get_interval_error(interval_number, interval_type):
            raise ValidationError(error)
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
        # The day it takes place: a closed day or another day than the
        # customer's delivery days moves it.
        self._notify_change(
            self.env._(
                "Next order date changed to %s.", format_date(self.env, self.next_date)
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
            self.env._("Payment method changed to %s.", token._autosales_masked_label())
        )
        if self.state == "exception" and not self._get_generation_error():
            # Stopped for want of a working card: the pending order is charged
            # with the new one at once, and the schedule goes on.
            self._action_resume()
        elif self.state == "draft":
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Payment method saved: activate"),
                note=self.env._(
                    "The customer saved %s for this standing order: it can be "
                    "activated.",
                    token._autosales_masked_label(),
                ),
                user_id=self._get_attention_user().id,
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

    def _get_payment_pending_order(self):
        """The order of this pay-now standing order that waits for a payment
        the customer can make (its last charge was refused or never made)."""
        self.ensure_one()
        if self.payment_mode != "pay_now":
            return self.env["sale.order"]
        for order in self.order_ids._autosales_filter_pending().sorted(
            "standing_order_date"
        ):
            transaction = order._autosales_current_transaction()
            if not transaction or transaction.state in ("cancel", "error"):
                return order
        return self.env["sale.order"]

    def _get_placed_orders_domain(self):
        """Domain of the orders generated for these standing orders; not those
        prepared ahead and waiting for the customer, which the form shows
        apart."""
        return [
            ("standing_order_id", "in", self.ids),
            ("autosales_preview_state", "!=", "waiting"),
        ]

    def _get_all_orders(self):
        """Its orders; a standing order set up in the webshop counts the order
        it was set up with as its first one."""
        self.ensure_one()
        orders = self.order_ids
        if self.from_checkout and self.source_order_id.state == "sale":
            orders |= self.source_order_id
        return orders

    def _get_placed_orders(self):
        """Its orders (see :meth:`_get_all_orders`), newest first; not the
        one prepared ahead and waiting for the customer's review."""
        orders = self._get_all_orders()
        return (orders - orders._autosales_filter_waiting()).sorted(
            lambda order: (
                order.standing_order_date or fields.Date.to_date(order.date_order),
                order.id,
            ),
            reverse=True,
        )

    def _get_started_date(self):
        """Day it started: the day of its webshop order, or its first order."""
        self.ensure_one()
        if self.from_checkout and self.source_order_id:
            return fields.Date.to_date(self.source_order_id.date_order)
        return self.start_date

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
        """Today for this standing order: in the time zone of its company
        (of the current company when called on none)."""
        company = self.company_id if len(self.company_id) == 1 else self.env.company
        return company._autosales_get_today()

    @api.model
    def _get_company_today_domain(
        self, field_name, operator, company_field="company_id", days=0
    ):
        """Domain comparing ``field_name`` with today (plus ``days``) in the
        time zone of each record's company, e.g. ``next_date <= today`` where
        "today" depends on the company of the record."""
        return expression.OR(
            [
                [
                    (company_field, "=", company.id),
                    (field_name, operator, fields.Date.add(today, days=days)),
                ]
                for company, today in self.env["res.company"]
                ._autosales_get_todays()
                .items()
            ]
        )

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

    def _is_payment_method_lost(self):
        """Whether this pay-now standing order's saved payment method was
        removed (archived or deleted) since it was chosen."""
        self.ensure_one()
        if self.payment_mode != "pay_now":
            return False
        token = self.payment_token_id.sudo()
        return self.payment_method_lost or not token or not token.active

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
            if product.type == "service":
                return self.env._(
                    "The product %(product)s of standing order %(name)s is now a "
                    "service, which is never delivered: replace it with a good or "
                    "remove it.",
                    product=product.display_name,
                    name=self.display_name,
                )
            if product.company_id and product.company_id != self.company_id:
                return self.env._(
                    "The product %(product)s belongs to another company than %(name)s.",
                    product=product.display_name,
                    name=self.display_name,
                )
        shipping = self.partner_shipping_id.sudo()
        if not (shipping.street or shipping.street2) or not shipping.city:
            return self.env._(
                "The delivery address of standing order %(name)s (%(address)s) has no "
                "street or city: complete it so that the goods can be delivered.",
                name=self.display_name,
                address=shipping.display_name,
            )
        if self.pricelist_id and not self.pricelist_id.sudo().active:
            return self.env._(
                "The pricelist %(pricelist)s of standing order %(name)s is archived: "
                "choose another one.",
                pricelist=self.pricelist_id.sudo().display_name,
                name=self.display_name,
            )
        if self.pricelist_id and self.pricelist_id.currency_id != self.currency_id:
            return self.env._(
                "The currency of the pricelist of %s has changed.", self.display_name
            )
        return self._get_payment_error() or self._get_overdue_error()

    def _get_overdue_error(self):
        """Why this standing order is held for its customer's overdue
        invoices (company setting), or ''."""
        self.ensure_one()
        days = self.company_id.autosales_overdue_hold_days
        if days <= 0:
            return ""
        overdue = self.commercial_partner_id._autosales_get_overdue_amount(
            self.company_id, self._get_today() - timedelta(days=days)
        )
        if self.company_id.currency_id.compare_amounts(overdue, 0) <= 0:
            return ""
        return self.env._(
            "%(customer)s has invoices overdue by more than %(days)s days "
            "(%(amount)s due): standing order %(name)s waits until they are paid, "
            "then runs again on its own.",
            customer=self.commercial_partner_id.display_name,
            days=days,
            amount=formatLang(
                self.env, overdue, currency_obj=self.company_id.currency_id
            ),
            name=self.display_name,
        )

    def _release_overdue_holds(self):
        """Run again the standing orders held for overdue invoices that were
        paid since."""
        held = self.search(
            [("state", "=", "exception"), ("exception_overdue", "=", True)]
        )
        released = held.filtered(lambda standing: not standing._get_generation_error())
        for standing in released:
            standing.message_post(
                body=self.env._(
                    "The overdue invoices were paid: the standing order runs again."
                )
            )
        released._action_resume()
        return released

    def _move_prepared_orders(self):
        """The next date was moved: the prepared order (with the customer's
        changes) moves with it."""
        for standing in self:
            prepared = standing.prepared_order_id._autosales_filter_waiting()
            if not prepared:
                continue
            values = {
                "standing_order_date": standing._get_occurrence_date(
                    standing.occurrence_index
                ),
                "commitment_date": standing._get_commitment_date(standing.next_date),
            }
            if (prepared.standing_order_date, prepared.commitment_date) != tuple(
                values.values()
            ):
                prepared.write(values)

    def _drop_prepared_orders(self):
        """Cancel the prepared orders still waiting for the customer of these
        (paused or cancelled) standing orders: they will not be placed. The
        schedule stays; a resumed standing order prepares its next order
        again."""
        prepared = self.prepared_order_id.filtered(
            lambda order: order.autosales_preview_state == "waiting"
        )
        if not prepared:
            return
        for standing in self.filtered("prepared_order_id"):
            standing.message_post(
                body=self.env._(
                    "The prepared order %s was cancelled with the standing order.",
                    standing.prepared_order_id.name,
                )
            )
        prepared.with_context(autosales_keep_schedule=True)._action_cancel()
        # The cancelled quotation no longer holds the occurrence: a resumed
        # standing order makes it again.
        prepared.write({"standing_order_date": False, "autosales_preview_state": False})
        self.prepared_order_id = False

    def _shift_occurrence_dates(self, dates):
        """Occurrences on a closed day of the company (when its settings say
        so) or on another day than the customer's delivery days move."""
        self.ensure_one()
        weekdays = self.partner_id.commercial_partner_id.sudo().mapped(
            "autosales_delivery_weekday_ids.dayofweek"
        )
        company = self.company_id or self.env.company
        return company.sudo()._autosales_shift_dates(dates, weekdays=weekdays)

    def _reschedule(self):  # pylint: disable=missing-return
        """Move the next order date of these standing orders to the day its
        occurrence takes place now: the company's calendar or settings, or
        the customer's delivery days, changed."""
        for order in self:
            if order.state == "draft":
                day = order._shift_occurrence_dates([order.start_date])[
                    order.start_date
                ]
                if day != order.next_date:
                    order.next_date = day
            elif (
                order.state in ("active", "paused", "exception")
                and order.recurrence_anchor_date
            ):
                index, _date, day = order._get_next_occurrence()
                if (index, day) != (order.occurrence_index, order.next_date):
                    # The schedule moving, not someone moving it: no re-anchoring.
                    super(SaleStandingOrder, order).write(
                        {"occurrence_index": index, "next_date": day}
                    )
                    order._move_prepared_orders()

    def _subscribe_customer(self):
        for order in self:
            order.message_subscribe(partner_ids=order.partner_id.ids)

    def _advance_schedule(self, count, generated=True):
        """Move past ``count`` occurrences, generated or skipped (and past the
        occurrences left out for falling on the day of another one)."""
        self.ensure_one()
        index, _date, day = self._get_next_occurrence(count)
        vals = {"occurrence_index": index, "next_date": day, "prepared_order_id": False}
        if generated:
            vals["generated_count"] = self.generated_count + count
        # ``super().write`` keeps the anchor: this is the schedule moving on,
        # not someone moving it.
        return super().write(vals)

    def _skip_until(self, date, reason):
        """Skip the occurrences before ``date`` and say so in the chatter."""
        self.ensure_one()
        skipped = 0
        for _index, _date, day in self._iter_schedule():
            if day >= date:
                break
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
            # The end date bounds the occurrences, whatever day they move to.
            if not self.recurrence_anchor_date:
                return self.next_date > self.end_date
            return self._get_occurrence_date(self.occurrence_index) > self.end_date
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

    def _set_exception(self, reason):
        """Stop this standing order and tell its salesperson why."""
        for order in self:
            values = {"state": "exception", "exception_reason": reason}
            if order.state != "exception":
                values["exception_date"] = order._get_today()
            order.write(values)
            order.message_post(body=self.env._("Standing order stopped: %s", reason))
            order.activity_schedule(
                "autosales_addon.mail_activity_type_standing_exception",
                summary=self.env._("Standing order needs attention"),
                note=reason,
                user_id=order._get_attention_user().id,
            )
        self.env["autosales.reminder.rule"]._create_trigger_reminders(
            "standing_order_exception", self
        )

    def _close_exception_activities(self):
        """The problems that stopped these standing orders are solved: their
        "needs attention" activities are done."""
        exception_type = self.env.ref(
            "autosales_addon.mail_activity_type_standing_exception",
            raise_if_not_found=False,
        )
        activities = self.activity_ids.filtered(
            lambda activity: activity.activity_type_id == exception_type
        )
        if activities:
            activities.action_feedback(
                feedback=self.env._("Solved: the standing order runs again.")
            )

    def _get_upcoming_reminder_logs(self, state):
        """The reminders before the occurrences of these standing orders
        ("before standing order occurrence" rules) in ``state``."""
        return (
            self.env["autosales.reminder.log"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", self.ids),
                    ("trigger", "=", "standing_order_upcoming"),
                    ("state", "=", state),
                ]
            )
        )

    def _close_upcoming_reminders(self):
        """The occurrences of these standing orders just placed: their open
        "before standing order occurrence" reminders are done (those of the
        occurrences still to come stay, also while a standing order in
        exception waits for the customer)."""
        if not self:
            return
        over = self._get_upcoming_reminder_logs("open").filtered(
            lambda log: (standing := self.browse(log.res_id)).state
            not in ("active", "exception")
            or log.event_date < standing.next_date
        )
        if not over:
            return
        # Closing a reminder is no contact with the customer: log none.
        over.activity_id.with_context(
            autosales_skip_interaction_log=True
        ).action_feedback(feedback=self.env._("The order was placed."))
        over.filtered(lambda log: log.state == "open").state = "done"

    def _withdraw_upcoming_reminders(self):
        """The occurrences of these standing orders were skipped, moved or
        dropped (paused, cancelled): their reminders are withdrawn now, as
        the reminder rules' daily pass would withdraw them."""
        self.env["autosales.reminder.rule"]._withdraw_trigger_reminders(
            "standing_order_upcoming", self
        )

    def _remind_again_of_upcoming_orders(self):
        """Resumed, these standing orders place again the orders whose
        reminders their pause withdrew: forget those reminders and remind of
        the orders now due to be reminded of."""
        self._get_upcoming_reminder_logs("cancelled").filtered(
            lambda log: log.event_date >= self.browse(log.res_id).next_date
        ).unlink()
        self.env["autosales.reminder.rule"]._create_trigger_reminders(
            "standing_order_upcoming", self
        )

    def _get_attention_user(self):
        """Who looks into the problems of this standing order."""
        self.ensure_one()
        return self.user_id or self.env.user

    def _autosales_payment_method_lost(self):
        """The saved payment method of these pay-now standing orders was
        removed (archived or deleted): stop the running ones before their
        next order, and ask each customer once to choose another one."""
        template = self.env.ref(
            "autosales_addon.mail_template_standing_payment_method_removed"
        )
        for standing in self.filtered(lambda s: s.payment_mode == "pay_now"):
            reason = self.env._(
                "The saved payment method of standing order %s was removed; the "
                "customer was asked to choose another one.",
                standing.name,
            )
            if standing.state == "active":
                standing._set_exception(reason)
            if standing.payment_method_lost:
                continue
            standing.payment_method_lost = True
            if standing.state != "exception":
                standing.message_post(body=reason)
            standing._autosales_send_customer_email(template)

    def _get_exception_date(self):
        """Day this standing order went to exception."""
        self.ensure_one()
        return self.exception_date or fields.Date.to_date(self.write_date)

    @api.model
    def _cron_send_upcoming_notices(self, today=None):
        """Tell customers a few days ahead that their next order is coming.

        :param date today: the reference day (default: today for each
            standing order, in its company's time zone)
        """
        todays = {
            company: today or day
            for company, day in self.env["res.company"]
            ._autosales_get_todays([("autosales_notice_days", ">", 0)])
            .items()
        }
        if not todays:
            return self.browse()
        # Orders prepared ahead are announced by their own email.
        candidates = self.search(
            [("state", "=", "active"), ("preview_days", "=", 0)]
            + expression.OR(
                [
                    [
                        ("company_id", "=", company.id),
                        ("next_date", ">", day),
                        (
                            "next_date",
                            "<=",
                            fields.Date.add(day, days=company.autosales_notice_days),
                        ),
                    ]
                    for company, day in todays.items()
                ]
            )
        )
        to_notify = candidates.filtered(lambda o: o.upcoming_notice_date != o.next_date)
        template = self.env.ref("autosales_addon.mail_template_standing_order_upcoming")
        for order in to_notify:
            order._autosales_send_customer_email(template)
            order.upcoming_notice_date = order.next_date
        return to_notify

    # === DEMO === #

    def _demo_date_history(self):
        """Date the orders generated by the demo data at their occurrences,
        as the daily scheduled action would have, deliver those whose
        delivery date is past, and record the payment of the oldest invoice
        of each standing order (the others stay due)."""
        today = self._get_today()
        orders = self.env["sale.order"].search(
            [
                ("standing_order_id", "in", self.ids),
                ("standing_order_date", "<", today),
                ("state", "=", "sale"),
            ]
        )
        for order in orders:
            occurred = fields.Datetime.to_datetime(order.standing_order_date)
            order.date_order = fields.Datetime.add(occurred, hours=6)
            pickings = order.picking_ids.filtered(
                lambda picking: picking.state not in ("done", "cancel")
            )
            delivered_on = order.commitment_date or fields.Datetime.add(
                occurred, days=1, hours=12
            )
            if delivered_on.date() >= today:
                continue
            pickings.scheduled_date = delivered_on
            for move in pickings.move_ids:
                move.quantity = move.product_uom_qty
            pickings.move_ids.picked = True
            pickings.with_context(skip_sms=True, skip_backorder=True).button_validate()
            pickings.date_done = delivered_on
        for standing in self:
            invoices = standing.invoice_ids.filtered(
                lambda move: move.state == "posted" and move.payment_state == "not_paid"
            ).sorted("id")
            if len(invoices) > 1:
                self.env["account.payment.register"].with_context(
                    active_model="account.move", active_ids=invoices[0].ids
                ).create({})._create_payments()
