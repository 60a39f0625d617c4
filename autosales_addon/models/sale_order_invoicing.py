import logging

import psycopg2.errors

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.modules import module as odoo_module
from odoo.tools import SQL

from .res_company import INVOICING_MODES
from .sale_standing_order_generation import RETRYABLE_ERRORS

_logger = logging.getLogger(__name__)

AUTOMATIC_MODES = ("on_order", "on_delivery")
# Orders invoiced per transaction by the scheduled action.
INVOICE_BATCH_SIZE = 100


class SaleOrder(models.Model):
    """Automatic invoicing of the orders of standing orders.

    Each generated order keeps the invoicing mode its standing order had:
    ``on_order`` invoices the ordered quantities once it is confirmed,
    ``on_delivery`` the delivered quantities once delivered. Invoices are
    posted, reconciled with the order's payment when it was paid online, and
    sent with Odoo's invoice sending. The n-th automatic invoice of an order
    is unique in the database, so that concurrent or repeated runs never
    invoice twice; an order whose invoice fails is noted and left to the
    salesperson, never blocking the others.
    """

    _inherit = "sale.order"

    autosales_invoicing_mode = fields.Selection(
        selection=INVOICING_MODES,
        string="Automatic Invoicing",
        readonly=True,
        copy=False,
        help="How this order of a standing order is invoiced, as its standing "
        "order was set when the order was generated.",
    )
    autosales_invoice_error = fields.Text(
        string="Invoicing Problem",
        readonly=True,
        copy=False,
        help="Why the automatic invoice of this order could not be created or "
        "posted. The order is not invoiced automatically until it is retried.",
    )

    def _auto_init(self):
        res = super()._auto_init()
        # What the invoicing scheduled action searches.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS sale_order_autosales_to_invoice_idx
                ON sale_order (id)
             WHERE autosales_invoicing_mode IN ('on_order', 'on_delivery')
               AND invoice_status = 'to invoice'
               AND autosales_invoice_error IS NULL
            """
        )
        return res

    # === CRUD METHODS === #

    def _action_confirm(self):
        res = super()._action_confirm()
        if any(order.autosales_invoicing_mode == "on_order" for order in self):
            # Invoiced at once by the scheduled action, unless the caller
            # (the generation, a payment) invoices them itself first.
            self.env.ref("autosales_addon.ir_cron_invoice_standing_orders")._trigger()
        return res

    # === ACTION METHODS === #

    def action_autosales_retry_invoicing(self):
        """Invoice again the orders whose automatic invoice failed, once the
        problem is fixed."""
        self.check_access("write")
        self.autosales_invoice_error = False
        invoices = self._autosales_invoice()
        failed = self.filtered("autosales_invoice_error")
        if failed:
            raise UserError(failed[0].autosales_invoice_error)
        if not invoices:
            raise UserError(self.env._("There is nothing to invoice on this order."))
        return True

    # === BUSINESS METHODS === #

    def _prepare_invoice(self):
        values = super()._prepare_invoice()
        sequences = self.env.context.get("autosales_invoice_sequences")
        if sequences and self.id in sequences:
            values.update(
                autosales_order_id=self.id,
                autosales_invoice_seq=sequences[self.id],
                invoice_date=fields.Date.context_today(self),
            )
        return values

    def _autosales_get_orders_to_invoice(self):
        return self.filtered(
            lambda order: order.state == "sale"
            and order.autosales_invoicing_mode in AUTOMATIC_MODES
            and order.invoice_status == "to invoice"
            and not order.autosales_invoice_error
        )

    def _autosales_invoice(self):
        """Invoice, post and send these orders where their invoicing mode says
        so; return the invoices. All in one savepoint; when one order fails,
        one by one so that only the failing ones are left out."""
        orders = self.sudo()._autosales_get_orders_to_invoice()
        if not orders:
            return self.env["account.move"]
        try:
            with self.env.cr.savepoint():
                invoices = orders._autosales_create_invoices()
        except RETRYABLE_ERRORS:
            raise
        except Exception:  # noqa: BLE001 - invoiced one by one below
            _logger.info("Invoicing a batch failed, invoicing orders one by one")
            invoices = self.env["account.move"].sudo()
            for order in orders:
                invoices |= order._autosales_invoice_isolated()
        invoices._autosales_send()
        return invoices

    def _autosales_invoice_isolated(self):
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                return self._autosales_create_invoices()
        except RETRYABLE_ERRORS:
            raise
        except psycopg2.errors.UniqueViolation:
            _logger.info("Order %s was invoiced by another process", self.name)
        except Exception as error:  # noqa: BLE001 - noted on the order
            if not isinstance(error, UserError):
                _logger.exception("Order %s could not be invoiced", self.name)
            self.invalidate_recordset()
            self._autosales_invoice_failed(
                error.args[0] if error.args else error.__class__.__name__
            )
        return self.env["account.move"]

    def _autosales_create_invoices(self):
        """Create and post the invoices of ``self``, numbered per order for
        the uniqueness guard; return them."""
        counts = dict(
            self.env["account.move"]
            .sudo()
            ._read_group(
                [("autosales_order_id", "in", self.ids)],
                ["autosales_order_id"],
                ["__count"],
            )
        )
        sequences = {order.id: counts.get(order, 0) + 1 for order in self}
        invoices = self.env["account.move"].sudo()
        for company, orders in self.grouped("company_id").items():
            invoices |= (
                orders.with_company(company)
                .with_context(
                    autosales_invoice_sequences=sequences,
                    raise_if_nothing_to_invoice=False,
                )
                ._create_invoices(grouped=True, final=True)
            )
        invoices.action_post()
        # The uniqueness guard fails here, inside the caller's savepoint.
        self.env.flush_all()
        invoices._autosales_reconcile_order_payments()
        return invoices

    def _autosales_invoice_failed(self, reason):
        self.ensure_one()
        message = self.env._(
            "The invoice of order %(order)s could not be created: %(reason)s. Fix "
            "it, then click Retry Invoicing on the order (or invoice it by hand).",
            order=self.name,
            reason=reason,
        )
        self.autosales_invoice_error = message
        self.message_post(body=message, subtype_xmlid="mail.mt_note")
        self.activity_schedule(
            "autosales_addon.mail_activity_type_standing_exception",
            summary=self.env._("Invoice not created"),
            note=message,
            user_id=(
                self.standing_order_id._get_attention_user()
                if self.standing_order_id
                else self.user_id or self.env.user
            ).id,
        )

    # === CRON METHODS === #

    @api.model
    def _cron_autosales_invoice_orders(self, batch_size=INVOICE_BATCH_SIZE):
        """Scheduled action: invoice the confirmed orders of standing orders
        invoiced when confirmed (those the generation did not invoice at
        once), and the delivered ones of standing orders invoiced on
        delivery. Batch by batch, each committed on its own; orders another
        worker is invoicing are skipped."""
        seen = []
        done = 0
        while True:
            orders = self._autosales_claim_orders_to_invoice(batch_size, seen)
            if not orders:
                break
            seen += orders.ids
            done += len(
                self.env["sale.standing.order"]._with_serialization_retry(
                    orders._autosales_invoice
                )
            )
            if not odoo_module.current_test:
                self.env.cr.commit()
        return done

    @api.model
    def _autosales_claim_orders_to_invoice(self, limit, exclude_ids):
        domain = [
            ("state", "=", "sale"),
            ("autosales_invoicing_mode", "in", AUTOMATIC_MODES),
            ("invoice_status", "=", "to invoice"),
            ("autosales_invoice_error", "=", False),
            ("id", "not in", exclude_ids),
        ]
        query = self.sudo()._search(domain, order="id", limit=limit)
        try:
            with self.env.cr.savepoint():
                self.env.cr.execute(SQL("%s FOR UPDATE SKIP LOCKED", query.select()))
                ids = [row[0] for row in self.env.cr.fetchall()]
        except psycopg2.errors.SerializationFailure:
            # Invoiced by another worker since this transaction began.
            return self.browse()
        return self.browse(ids)


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    @api.depends("order_id.autosales_invoicing_mode")
    def _compute_qty_to_invoice(self):
        """Orders of standing orders invoiced automatically follow their mode
        (ordered or delivered quantities), whatever the products' policies."""
        res = super()._compute_qty_to_invoice()
        for line in self:
            mode = line.order_id.autosales_invoicing_mode
            if (
                mode not in AUTOMATIC_MODES
                or line.state != "sale"
                or line.display_type
                or line.product_id.type == "combo"
            ):
                continue
            invoiceable = (
                line.product_uom_qty if mode == "on_order" else line.qty_delivered
            )
            line.qty_to_invoice = invoiceable - line.qty_invoiced
        return res
