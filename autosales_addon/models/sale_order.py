import contextlib
import logging

from dateutil.relativedelta import relativedelta

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import SQL, float_compare, float_is_zero
from odoo.tools.misc import formatLang, str2bool

from .sale_standing_order_generation import RETRYABLE_ERRORS

_logger = logging.getLogger(__name__)

# Amounts and quantities are floats: beyond this, their cents (or the
# hundredths of a unit) are no longer exact once lines and taxes add up.
MAX_EXACT_AMOUNT = 10**12


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "autosales.interaction.mixin"]
    _sql_constraints = [
        (
            "standing_order_occurrence_uniq",
            "UNIQUE(standing_order_id, standing_order_date)",
            "An order was already generated for this occurrence of the standing order.",
        ),
    ]
    _autosales_interaction_field = "sale_order_id"

    standing_order_id = fields.Many2one(
        "sale.standing.order",
        copy=False,
        readonly=True,
        index="btree_not_null",
        check_company=True,
    )
    standing_order_date = fields.Date(
        string="Occurrence Date",
        copy=False,
        readonly=True,
        help="Occurrence of the standing order this order was generated for.",
    )
    standing_order_count = fields.Integer(compute="_compute_standing_order_count")
    autosales_repeat_option_id = fields.Many2one(
        "autosales.repeat.option",
        string="Repeat",
        copy=False,
        help="Chosen in the webshop: once confirmed, this order becomes a standing "
        "order repeated at this interval.",
    )
    autosales_checkout_standing_id = fields.Many2one(
        "sale.standing.order",
        string="Standing Order Created",
        copy=False,
        readonly=True,
    )
    autosales_primary_contact_id = fields.Many2one(
        related="partner_id.commercial_partner_id.autosales_primary_contact_id",
        string="Primary Contact",
    )
    autosales_key_contact_ids = fields.Many2many(
        related="partner_id.commercial_partner_id.autosales_key_contact_ids",
        string="Key Contacts",
    )

    # === COMPUTE METHODS === #

    def _compute_standing_order_count(self):
        counts = dict(
            self.env["sale.standing.order"]._read_group(
                [("source_order_id", "in", self.ids)],
                ["source_order_id"],
                ["__count"],
            )
        )
        for order in self:
            order.standing_order_count = counts.get(order._origin, 0)

    # === ACTION METHODS === #

    def action_create_standing_order(self):
        """Turn this order into a (draft) standing order repeating it."""
        self.ensure_one()
        if self.state == "cancel":
            raise UserError(
                self.env._("A cancelled order cannot become a standing order.")
            )
        existing = self.env["sale.standing.order"].search(
            [("source_order_id", "=", self.id), ("state", "!=", "cancelled")],
            limit=1,
        )
        if existing:
            # Converting twice would repeat the same goods twice.
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "warning",
                    "message": self.env._(
                        "Order %(order)s is already repeated by standing order "
                        "%(standing)s: here it is.",
                        order=self.name,
                        standing=existing.name,
                    ),
                    "next": existing._get_form_action(),
                },
            }
        standing = self.env["sale.standing.order"].create(
            self._prepare_standing_order_values()
        )
        return standing._get_form_action()

    def action_view_standing_orders(self):
        self.ensure_one()
        standing = self.standing_order_id or self.env["sale.standing.order"].search(
            [("source_order_id", "=", self.id)]
        )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "autosales_addon.action_sale_standing_order"
        )
        if len(standing) == 1:
            action.update(res_id=standing.id, view_mode="form", views=[(False, "form")])
        else:
            action["domain"] = [("id", "in", standing.ids)]
        return action

    # === BUSINESS METHODS === #

    def _prepare_standing_order_values(self, interval_number=1, interval_type="month"):
        """Values of a standing order repeating this order."""
        self.ensure_one()
        order_date = fields.Date.to_date(self.date_order) or fields.Date.context_today(
            self
        )
        lines = self.order_line.filtered(
            lambda line: not line.display_type
            and line.product_id
            and not line.is_downpayment
            and not line._is_delivery()
            and line.product_id.type != "service"
            and line.product_uom_qty > 0
        )
        if not lines:
            raise UserError(
                self.env._("Order %s has no products to repeat.", self.name)
            )
        return {
            "partner_id": self.partner_id.id,
            "partner_invoice_id": self.partner_invoice_id.id,
            "partner_shipping_id": self.partner_shipping_id.id,
            "pricelist_id": self.pricelist_id.id,
            "company_id": self.company_id.id,
            "user_id": self.user_id.id,
            "team_id": self.team_id.id,
            "client_order_ref": self.client_order_ref,
            "interval_number": interval_number,
            "interval_type": interval_type,
            "start_date": order_date
            + relativedelta(**{f"{interval_type}s": interval_number}),
            "source_order_id": self.id,
            # The warehouse this order ships from (the website's, in the shop).
            **({"warehouse_id": self.warehouse_id.id} if self.warehouse_id else {}),
            "line_ids": [
                Command.create(
                    {
                        "product_id": line.product_id.id,
                        "name": line.name,
                        "product_uom_qty": line.product_uom_qty,
                        "product_uom": line.product_uom.id,
                    }
                )
                for line in lines
            ],
        }

    def _check_standing_order_prices(self):
        """Refuse generated orders with a product that has no price, or with
        a quantity or an amount too large to be computed exactly."""
        for order in self:
            if abs(order.amount_total) >= MAX_EXACT_AMOUNT:
                raise UserError(
                    self.env._(
                        "The order would amount to %(amount)s, more than an order "
                        "can hold; check the quantities of standing order %(name)s.",
                        amount=formatLang(
                            self.env, order.amount_total, currency_obj=order.currency_id
                        ),
                        name=order.standing_order_id.display_name,
                    )
                )
            for line in order.order_line:
                if line.display_type or not line.product_id:
                    continue
                if line.product_uom_qty >= MAX_EXACT_AMOUNT:
                    raise UserError(
                        self.env._(
                            "The quantity of %(product)s (%(quantity)s) is more "
                            "than an order can hold.",
                            product=line.product_id.display_name,
                            quantity=self.env[
                                "sale.standing.order.line"
                            ]._format_quantity(line.product_uom_qty),
                        )
                    )
                if float_is_zero(
                    line.price_unit, precision_rounding=order.currency_id.rounding
                ):
                    raise UserError(
                        self.env._(
                            "The product %(product)s has no price in pricelist "
                            "%(pricelist)s.",
                            product=line.product_id.display_name,
                            pricelist=order.pricelist_id.display_name or "-",
                        )
                    )

    def _check_on_account_credit(self, lock=True):
        """Split on-account ``self`` into (accepted orders, {refused order: reason}).

        The credit check runs under a lock on each customer, so that two
        transactions cannot both fit an order into the same remaining credit.
        """
        accepted = self.browse()
        refused = {}
        if not self:
            return accepted, refused
        if lock:
            self.env.flush_all()
            self._autosales_lock_customers_for_credit()
        exposures = {}
        for company, orders in self.grouped("company_id").items():
            if not company.account_use_credit_limit:
                continue
            customers = orders.partner_id.commercial_partner_id.sudo()
            for customer_id, amount in customers._autosales_get_credit_exposure(
                company
            ).items():
                exposures[company, customer_id] = amount
        for order in self:
            company = order.company_id
            customer = order.partner_id.commercial_partner_id.sudo().with_company(
                company
            )
            if not customer.on_account_allowed:
                refused[order] = self.env._(
                    "%(customer)s is not approved for orders charged to their account; "
                    "order %(order)s was not confirmed.",
                    customer=customer.display_name,
                    order=order.name,
                )
                continue
            if company.account_use_credit_limit and customer.credit_limit:
                amount = order.amount_total / (order.currency_rate or 1.0)
                key = (company, customer.id)
                used = exposures.get(key, 0.0)
                if (
                    float_compare(
                        used + amount,
                        customer.credit_limit,
                        precision_rounding=company.currency_id.rounding,
                    )
                    > 0
                ):
                    currency = company.currency_id
                    refused[order] = self.env._(
                        "Order %(order)s (%(amount)s) would exceed the credit limit of "
                        "%(customer)s (%(limit)s, %(used)s already used); it was not "
                        "confirmed.",
                        order=order.name,
                        amount=formatLang(
                            self.env, order.amount_total, currency_obj=order.currency_id
                        ),
                        customer=customer.display_name,
                        limit=formatLang(
                            self.env, customer.credit_limit, currency_obj=currency
                        ),
                        used=formatLang(self.env, used, currency_obj=currency),
                    )
                    continue
                # Accepted in this batch: counts for the next orders.
                exposures[key] = used + amount
            accepted |= order
        return accepted, refused

    def _autosales_lock_customers_for_credit(self):
        """Lock the customers of ``self`` for a credit check.

        Odoo runs transactions in REPEATABLE READ: once a lock another
        transaction held is granted, this transaction still reads its own
        snapshot, which may lack the orders that transaction confirmed for
        the same customer. So the rows of the customers whose credit limit is
        enforced are also updated: a transaction whose snapshot is older than
        this one's commit then gets a serialization failure when it locks them,
        and is retried on a fresh snapshot, instead of fitting its order into
        credit that is already used.
        """
        customers = self.partner_id.commercial_partner_id
        self.env.cr.execute(
            SQL(
                "SELECT id FROM res_partner WHERE id IN %s ORDER BY id "
                "FOR NO KEY UPDATE",
                tuple(customers.ids),
            )
        )
        limited = {
            order.partner_id.commercial_partner_id.id
            for order in self
            if order.company_id.account_use_credit_limit
            and order.partner_id.commercial_partner_id.sudo()
            .with_company(order.company_id)
            .credit_limit
        }
        if limited:
            self.env.cr.execute(
                SQL(
                    "UPDATE res_partner SET write_date = write_date WHERE id IN %s",
                    tuple(sorted(limited)),
                )
            )

    def _autosales_send_confirmation_mail(self):
        """Send Odoo's order confirmation email; a mail problem never undoes
        the confirmation, it is noted on the order instead."""
        if len(self) > 1 and self._autosales_queue_confirmation_mails():
            return
        with self._autosales_prerender_confirmation_pdfs():
            self._autosales_send_confirmation_mail_now()

    @contextlib.contextmanager
    def _autosales_prerender_confirmation_pdfs(self):
        """Within the block, the confirmation PDFs of ``self`` come from one
        rendering of the batch (see ``ir.actions.report``)."""
        Report = self.env["ir.actions.report"]
        with contextlib.ExitStack() as stack:
            if len(self) > 1:
                for template, orders in self.grouped(
                    lambda order: order._get_confirmation_template()
                ).items():
                    if not template:
                        continue
                    for report in template.report_template_ids.filtered(
                        lambda report: report.report_type == "qweb-pdf"
                    ):
                        stack.enter_context(
                            Report._autosales_prerender_pdfs(report, orders.ids)
                        )
            yield

    def _autosales_send_confirmation_mail_now(self):
        if len(self) > 1:
            # One savepoint for the whole batch; per order only when one fails.
            try:
                with self.env.cr.savepoint():
                    self._send_order_confirmation_mail()
                return
            except RETRYABLE_ERRORS:
                raise
            except Exception:  # noqa: BLE001 - sent one by one below
                _logger.info("Batch of confirmation emails failed, sending one by one")
        for order in self:
            try:
                with self.env.cr.savepoint():
                    order._send_order_confirmation_mail()
            except RETRYABLE_ERRORS:
                raise
            except Exception as error:  # noqa: BLE001 - reported on the order
                _logger.warning(
                    "Confirmation email of %s failed: %s", order.name, error
                )
                order.message_post(
                    body=self.env._(
                        "The order confirmation email could not be sent: %s", error
                    )
                )

    def _autosales_queue_confirmation_mails(self):
        """Queue the confirmation emails of ``self`` for Odoo's asynchronous
        order emails, when enabled (``sale.async_emails``): as Odoo does it
        order by order, but with one trigger of its scheduled action for the
        batch instead of one per order. Return whether they were queued."""
        cron = self.env.ref("sale_async_emails.cron", raise_if_not_found=False)
        if (
            not cron
            or "pending_email_template_id" not in self._fields
            or self.env.context.get("is_async_email")
            or not str2bool(
                self.env["ir.config_parameter"].sudo().get_param("sale.async_emails")
            )
        ):
            return False
        for template, orders in self.grouped(
            lambda order: order._get_confirmation_template()
        ).items():
            if template:
                orders.pending_email_template_id = template
        cron._trigger()
        return True

    def _action_confirm(self):
        res = super()._action_confirm()
        self._autosales_create_checkout_standing_orders()
        generated = self.filtered("standing_order_id")
        generated.write(
            {"standing_payment_retry_date": False, "standing_payment_send_date": False}
        )
        # A standing order stopped only because of one of these orders (credit
        # limit, refused payment) runs again once they are confirmed.
        for standing in generated.standing_order_id.filtered(
            lambda s: s.state == "exception"
        ):
            blocked = standing.order_ids._autosales_filter_pending() - self
            if not blocked and not standing._get_generation_error():
                standing.write({"state": "active", "exception_reason": False})
                standing._close_exception_activities()
                standing.message_post(
                    body=self.env._(
                        "The pending order was confirmed: the standing order runs "
                        "again."
                    )
                )
        return res

    # === WEBSHOP: REPEATED ORDERS === #

    def _autosales_set_repeat_option(self, option):
        """Repeat this cart at ``option``'s interval (or not, when empty)."""
        self.ensure_one()
        if self.state not in ("draft", "sent"):
            raise UserError(self.env._("This order is already confirmed."))
        if option and option not in self.env[
            "autosales.repeat.option"
        ].sudo()._get_website_options(self.website_id):
            raise UserError(self.env._("This repeat interval is not offered."))
        self.autosales_repeat_option_id = option

    def _autosales_next_order_date(self):
        """Date of the next order of a repeated webshop order."""
        self.ensure_one()
        order_date = fields.Date.to_date(self.date_order) or fields.Date.context_today(
            self
        )
        return self.autosales_repeat_option_id._next_date_after(order_date)

    def _autosales_get_on_account_error(self):
        """Why this cart cannot be charged to the customer's account, or ''."""
        self.ensure_one()
        customer = self.partner_id.commercial_partner_id.sudo()
        if not customer.on_account_allowed:
            return self.env._("Your account is not approved for orders on account.")
        refused = self._check_on_account_credit(lock=False)[1]
        if refused:
            return self.env._(
                "This order exceeds the credit limit of your account; please pay "
                "online."
            )
        return ""

    def _autosales_confirm_on_account(self):
        """Confirm this cart without online payment, charged to the account.

        :return: an error message, or '' when the order was confirmed
        """
        self.ensure_one()
        if self.state not in ("draft", "sent"):
            return self.env._("This order is already confirmed.")
        if error := self._autosales_get_on_account_error():
            return error
        if self._check_on_account_credit()[1]:  # again, under the lock
            return self.env._(
                "This order exceeds the credit limit of your account; please pay "
                "online."
            )
        self.with_context(autosales_payment_mode="on_account").action_confirm()
        self._autosales_send_confirmation_mail()
        return ""

    def _autosales_create_checkout_standing_orders(self):
        """Turn confirmed repeated webshop orders into running standing orders.

        Called on confirmation, whichever way it happens (online payment, its
        webhook and return page, order on account): the order row lock and
        the unique index on the standing order's origin make it happen once.
        """
        orders = self.filtered(
            lambda o: o.autosales_repeat_option_id
            and not o.autosales_checkout_standing_id
        )
        if not orders:
            return
        self.env.cr.execute(
            "SELECT id FROM sale_order WHERE id IN %s FOR UPDATE", [tuple(orders.ids)]
        )
        orders.invalidate_recordset(["autosales_checkout_standing_id"])
        for order in orders.filtered(lambda o: not o.autosales_checkout_standing_id):
            if not order._autosales_has_customer_account():
                # Set up by a guest (the routes refuse it): nobody could manage
                # it, and no card was saved for an account.
                order.message_post(
                    body=self.env._(
                        "This order was not set up to repeat: %s has no customer "
                        "account.",
                        order.partner_id.display_name,
                    )
                )
                continue
            option = order.autosales_repeat_option_id
            try:
                values = order._prepare_standing_order_values(
                    interval_number=option.interval_number,
                    interval_type=option.interval_type,
                )
            except UserError as error:
                # The order itself is paid and confirmed: never undo that.
                order.message_post(
                    body=self.env._(
                        "This order was not set up to repeat: %s", error.args[0]
                    )
                )
                continue
            token = order.transaction_ids.filtered(
                lambda tx: tx.state in ("authorized", "done") and tx.token_id
            )[:1].token_id
            if token:
                values.update(payment_mode="pay_now", payment_token_id=token.id)
            else:
                values["payment_mode"] = "on_account"
            values.update(
                from_checkout=True, start_date=order._autosales_next_order_date()
            )
            standing = self.env["sale.standing.order"].sudo().create(values)
            # Its first order: invoiced as the ones that follow.
            order.write(
                {
                    "autosales_checkout_standing_id": standing.id,
                    "autosales_invoicing_mode": standing.invoicing_mode,
                }
            )
            paid_or_approved = token or (
                self.env.context.get("autosales_payment_mode") == "on_account"
            )
            if paid_or_approved and not standing._get_payment_error():
                standing.action_activate()
                standing.message_post(
                    body=self.env._(
                        "Set up by the customer with webshop order %s.", order.name
                    )
                )
            else:
                standing.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=self.env._("Review and activate this standing order"),
                    note=self.env._(
                        "Order %s asked to be repeated, but was confirmed without a "
                        "saved payment method or an approved account.",
                        order.name,
                    ),
                    user_id=standing._get_attention_user().id,
                )

    def _autosales_has_customer_account(self):
        """Whether someone of this order's customer can sign in to manage a
        standing order (a portal or internal user)."""
        self.ensure_one()
        return bool(
            self.env["res.users"]
            .sudo()
            .search_count(
                [("partner_id", "child_of", self.partner_id.commercial_partner_id.id)],
                limit=1,
            )
        )

    def _get_confirmation_template(self):
        if self.autosales_repeat_option_id:
            return (
                self.env.ref(
                    "autosales_addon.mail_template_sale_confirmation_repeat",
                    raise_if_not_found=False,
                )
                or super()._get_confirmation_template()
            )
        return super()._get_confirmation_template()
