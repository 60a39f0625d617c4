import logging
import random
import time
from datetime import timedelta

import psycopg2.errors

from odoo import api, fields, models
from odoo.fields import Command
from odoo.modules import module as odoo_module
from odoo.osv import expression
from odoo.tools import SQL, format_date, format_datetime

from .sale_standing_order_generation import RETRYABLE_ERRORS

_logger = logging.getLogger(__name__)

# A payment request not answered within this delay is sent again, with the
# same reference, by the scheduled action: its process died between the
# commit of the order and the charge, or the provider did not answer.
SEND_GRACE_MINUTES = 10
# After the n-th request without an answer, the next one waits
# SEND_GRACE_MINUTES * 2 ** (n - 1) minutes, at most this long.
MAX_SEND_DELAY_MINUTES = 6 * 60
# Requests without an answer in a row after which the salesperson is asked
# to look at the payment with the provider.
UNANSWERED_ALERT_COUNT = 3


class SaleOrder(models.Model):
    """Payment of the pay-now orders of standing orders.

    Money has one owner: the payment attempt, a ``payment.transaction`` with
    a fixed reference (``<order>-AS<attempt>``). An attempt is sent until the
    provider answers it, always under the same reference, so that a provider
    deduplicating on it charges at most once. Only an answered refusal starts
    a new attempt (the dunning: customer emails, retries on the company's
    schedule, cancellation after the last one); an error or no answer sends
    the same attempt again later and tells the customer nothing.
    """

    # One concern per file: orders (sale_order), payment (here), invoicing.
    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    standing_payment_attempt = fields.Integer(
        string="Payment Attempts",
        copy=False,
        readonly=True,
    )
    standing_payment_failed_date = fields.Date(copy=False, readonly=True)
    standing_payment_retry_date = fields.Date(
        string="Next Payment Retry",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="Day a refused payment is tried again, with a new payment attempt.",
    )
    standing_payment_send_date = fields.Datetime(
        string="Payment Request Due",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="From this time on, the scheduled action sends the unanswered payment "
        "request of this order again, under the same reference.",
    )
    standing_payment_unanswered_count = fields.Integer(
        string="Unanswered Payment Requests",
        copy=False,
        readonly=True,
        help="Payment requests of the current attempt that got no answer from the "
        "provider (error, timeout) in a row.",
    )

    # === PAYMENT ATTEMPTS === #

    def _autosales_transaction_reference(self, attempt):
        self.ensure_one()
        return f"{self.name}-AS{attempt}"

    def _autosales_current_transaction(self):
        """The transaction of the current payment attempt, if it exists."""
        self.ensure_one()
        if not self.standing_payment_attempt:
            return self.env["payment.transaction"].sudo()
        return (
            self.env["payment.transaction"]
            .sudo()
            .search(
                [
                    (
                        "reference",
                        "=",
                        self._autosales_transaction_reference(
                            self.standing_payment_attempt
                        ),
                    )
                ],
                limit=1,
            )
        )

    def _autosales_prepare_payment(self, retry=False):
        """Attach to each pay-now order the transaction of its current payment
        attempt (draft, not yet sent).

        With ``retry``, a new attempt starts, but only when the provider
        refused the current one: an attempt without an answer (or accepted)
        is never replaced, it may have charged the customer.
        """
        for order in self:
            attempt = max(order.standing_payment_attempt, 1)
            if retry and order.standing_payment_attempt:
                current = order._autosales_current_transaction()
                if current.state in ("cancel", "error"):
                    attempt = order.standing_payment_attempt + 1
            transaction = order._autosales_get_transaction(attempt)
            if transaction.state == "draft" and not order.standing_payment_send_date:
                # Sent right after the commit; if that never happens, the
                # scheduled action sends it once this delay has passed.
                order.standing_payment_send_date = fields.Datetime.now() + timedelta(
                    minutes=SEND_GRACE_MINUTES
                )

    def _autosales_get_transaction(self, attempt):
        """Return the transaction of payment attempt ``attempt``, creating it once.

        The reference is fixed per attempt, so running twice never creates a
        second transaction (nor a second charge) for the same attempt.
        """
        self.ensure_one()
        Transaction = self.env["payment.transaction"].sudo()
        reference = self._autosales_transaction_reference(attempt)
        if self.standing_payment_attempt != attempt:
            self.write(
                {
                    "standing_payment_attempt": attempt,
                    "standing_payment_unanswered_count": 0,
                }
            )
        transaction = Transaction.search([("reference", "=", reference)], limit=1)
        if transaction:
            return transaction
        token = self.standing_order_id.payment_token_id.sudo()
        return Transaction.create(
            {
                "provider_id": token.provider_id.id,
                "payment_method_id": token.payment_method_id.id,
                "reference": reference,
                "amount": self.amount_total,
                "currency_id": self.currency_id.id,
                "partner_id": self.partner_id.id,
                "token_id": token.id,
                "operation": "offline",
                "sale_order_ids": [Command.set(self.ids)],
            }
        )

    def _autosales_send_payment(self):
        """Send the payment request of the current attempt of ``self`` (when
        not sent yet, or not answered) and act on the outcome."""
        for order in self:
            if transaction := order._autosales_send_request():
                order._autosales_process_payment_outcome(transaction)

    def _autosales_send_request(self):
        """Send the payment request of the current attempt unless it was
        answered already; return its transaction once answered, or None (not
        sent: another process is sending it, no answer, card removed)."""
        self.ensure_one()
        transaction = self._autosales_current_transaction()
        if not transaction:
            self._autosales_prepare_payment()
            transaction = self._autosales_current_transaction()
        if transaction.state != "draft":
            return transaction
        if not self._autosales_lock_transaction(transaction):
            # Another process is sending it right now.
            return None
        if transaction.state == "draft" and not self._autosales_request(transaction):
            return None
        return transaction

    def _autosales_process_payment_outcome(self, transaction):
        """Confirm the order the provider accepted to charge, or start the
        dunning of a refusal. A pending answer waits for the provider's
        notification."""
        self.ensure_one()
        self.standing_payment_send_date = False
        if transaction.state in ("authorized", "done"):
            self._autosales_confirm_paid(transaction)
        elif transaction.state in ("cancel", "error"):
            self._autosales_handle_payment_refusal(transaction)

    @api.model
    def _autosales_send_payments_committed(self, orders, prepare=None):
        """Charge ``orders`` one by one, committing (outside tests) the answer
        of the provider before acting on it: a conflict or a crash while
        confirming the order never loses the record of a charge. Each order
        is isolated from the others.

        :param prepare: called on each order first (e.g. to start a new
            payment attempt); when it returns False the order is skipped
        """
        for order in orders:

            def send(order=order):
                if prepare and prepare(order) is False:
                    return None
                return order._autosales_send_request()

            transaction = self._autosales_isolated(order, send)
            if transaction:
                self._autosales_isolated(
                    order,
                    lambda order=order, transaction=transaction: (
                        order._autosales_process_payment_outcome(transaction)
                    ),
                )

    def _autosales_lock_transaction(self, transaction):
        """Lock ``transaction`` for sending it; False when another transaction
        holds it or changed it since this one began."""
        transaction.flush_recordset()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM payment_transaction WHERE id = %s "
                        "FOR UPDATE NOWAIT",
                        transaction.id,
                    )
                )
        except (
            psycopg2.errors.LockNotAvailable,
            psycopg2.errors.SerializationFailure,
        ):
            _logger.info("Payment %s is being sent elsewhere", transaction.reference)
            return False
        transaction.invalidate_recordset()
        return True

    def _autosales_request(self, transaction):
        """Send the payment request of ``transaction``; return whether the
        provider answered (accepted, refused or pending)."""
        self.ensure_one()
        token = transaction.token_id
        if not token.active:
            # The customer removed the card after the attempt was prepared:
            # it is not charged.
            transaction._set_canceled(
                self.env._("The saved payment method was removed before the charge.")
            )
            self.standing_payment_send_date = False
            self.standing_order_id._autosales_payment_method_lost()
            return False
        try:
            with self.env.cr.savepoint():
                transaction._send_payment_request()
        except RETRYABLE_ERRORS:
            raise
        except Exception as error:  # noqa: BLE001 - the outcome is unknown
            self._autosales_handle_unanswered_request(transaction, error)
            return False
        self.standing_payment_unanswered_count = 0
        return True

    def _autosales_handle_unanswered_request(self, transaction, error):
        """The request may have charged the customer, or not: send the same
        transaction again later; alert the salesperson when it keeps failing.
        The customer is told nothing: nothing was refused."""
        self.ensure_one()
        _logger.warning(
            "Payment request %s got no answer: %s", transaction.reference, error
        )
        count = self.standing_payment_unanswered_count + 1
        delay = min(SEND_GRACE_MINUTES * 2 ** (count - 1), MAX_SEND_DELAY_MINUTES)
        send_date = fields.Datetime.now() + timedelta(minutes=delay)
        self.write(
            {
                "standing_payment_unanswered_count": count,
                "standing_payment_send_date": send_date,
            }
        )
        message = self.env._(
            "The payment request %(reference)s got no answer from the provider "
            "(%(error)s). It may have been charged: it will be sent again under the "
            "same reference on %(date)s, which the provider does not charge twice.",
            reference=transaction.reference,
            error=str(error) or error.__class__.__name__,
            date=format_datetime(self.env, send_date),
        )
        self.message_post(body=message, subtype_xmlid="mail.mt_note")
        if count == UNANSWERED_ALERT_COUNT:
            self.activity_schedule(
                "autosales_addon.mail_activity_type_standing_exception",
                summary=self.env._("Payment without an answer"),
                note=self.env._(
                    "%(count)s payment requests of order %(order)s got no answer. "
                    "Check payment %(reference)s in the provider's dashboard; the "
                    "request is sent again on its own.",
                    count=count,
                    order=self.name,
                    reference=transaction.reference,
                ),
                user_id=self.standing_order_id._get_attention_user().id,
            )

    def _autosales_confirm_paid(self, transaction):
        """Confirm an order its transaction paid, then let the payment module
        do the rest of its post-processing (invoicing when configured).

        The payment is kept whatever happens: an order that cannot be
        confirmed stays paid and its standing order goes to exception.
        """
        self.ensure_one()
        if self.state in ("draft", "sent"):
            try:
                with self.env.cr.savepoint():
                    self.action_confirm()
            except RETRYABLE_ERRORS:
                raise
            except Exception as error:  # noqa: BLE001 - reported on the standing order
                _logger.exception("Paid order %s could not be confirmed", self.name)
                self.standing_order_id._set_exception(
                    self.env._(
                        "Order %(order)s was paid (%(reference)s) but could not be "
                        "confirmed: %(error)s",
                        order=self.name,
                        reference=transaction.reference,
                        error=error.args[0] if error.args else error.__class__.__name__,
                    )
                )
                return
            self._autosales_send_confirmation_mail()
        # Invoiced before the payment is created, which reconciles it.
        self._autosales_invoice()
        if transaction.is_post_processed:
            return
        try:
            with self.env.cr.savepoint():
                transaction._post_process()
        except RETRYABLE_ERRORS:
            raise
        except Exception:  # noqa: BLE001 - Odoo's payment cron post-processes it again
            _logger.exception(
                "Post-processing of transaction %s failed", transaction.reference
            )

    def _autosales_handle_payment_refusal(self, transaction):
        """Plan the next retry of a refused payment, or give up after the last one."""
        self.ensure_one()
        standing = self.standing_order_id
        today = standing._get_today()
        failed_date = self.standing_payment_failed_date or today
        retry_days = self.company_id._autosales_get_payment_retry_days()
        attempt = self.standing_payment_attempt
        reason = transaction.state_message or self.env._("The payment was refused.")
        if attempt <= len(retry_days):
            retry_date = fields.Date.add(failed_date, days=retry_days[attempt - 1])
            self.write(
                {
                    "standing_payment_failed_date": failed_date,
                    "standing_payment_retry_date": retry_date,
                }
            )
            self._autosales_notify_customer(
                "autosales_addon.mail_template_standing_payment_refused"
            )
            if standing.state == "active":
                standing._set_exception(
                    self.env._(
                        "The payment of order %(order)s was refused (%(reason)s). It "
                        "will be retried on %(date)s; the customer was sent a link to "
                        "pay it or choose another payment method.",
                        order=self.name,
                        reason=reason,
                        date=format_date(self.env, retry_date),
                    )
                )
            return
        self.write({"standing_payment_retry_date": False})
        self._action_cancel()
        self._autosales_notify_customer(
            "autosales_addon.mail_template_standing_payment_cancelled"
        )
        message = self.env._(
            "The payment of order %(order)s was refused %(count)s times (%(reason)s): "
            "the order was cancelled.",
            order=self.name,
            count=attempt,
            reason=reason,
        )
        if standing.state == "exception":
            standing.message_post(body=message)
            standing.activity_schedule(
                "autosales_addon.mail_activity_type_standing_exception",
                summary=self.env._("Payment failed for good"),
                note=message,
                user_id=standing._get_attention_user().id,
            )
        else:
            standing._set_exception(message)

    def _autosales_notify_customer(self, template_xmlid):
        self.ensure_one()
        self._autosales_send_customer_email(self.env.ref(template_xmlid))

    # === CRON METHODS === #

    @api.model
    def _cron_autosales_retry_payments(self, today=None):
        """Retry the refused payments of generated orders that are due for it.

        Each order is retried on its own: one that fails never stops the
        others. An order whose standing order lost its payment method is not
        retried; the customer is asked to choose another one.
        """
        due = (
            [("standing_payment_retry_date", "<=", today)]
            if today
            else self.env["sale.standing.order"]._get_company_today_domain(
                "standing_payment_retry_date", "<="
            )
        )
        orders = self.search(
            expression.AND(
                [
                    due,
                    [
                        ("state", "in", ("draft", "sent")),
                        ("standing_order_id", "!=", False),
                    ],
                ]
            )
        )
        self._autosales_send_payments_committed(
            orders, prepare=lambda order: order._autosales_prepare_retry()
        )
        return orders

    def _autosales_prepare_retry(self):
        """Start the next payment attempt of this refused order; False when
        it cannot be charged any more (its payment method is gone)."""
        self.ensure_one()
        standing = self.standing_order_id
        if standing.payment_mode != "pay_now" or standing._get_payment_error():
            self.standing_payment_retry_date = False
            if standing.payment_mode == "pay_now":
                standing._autosales_payment_method_lost()
            return False
        self._autosales_prepare_payment(retry=True)
        return True

    @api.model
    def _cron_autosales_send_pending_payments(self, now=None):
        """Send the payment requests nobody sent, or nobody answered.

        A request is left unsent when its process died between the commit of
        the order and the charge; it is left unanswered on a provider error or
        timeout. Either way it is sent again under the same reference, once
        its send date has passed, as many times as needed.
        """
        now = now or fields.Datetime.now()
        orders = self.search(
            [
                ("standing_payment_send_date", "<=", now),
                ("state", "in", ("draft", "sent")),
                ("standing_order_id", "!=", False),
            ],
            order="standing_payment_send_date, id",
        )
        self._autosales_send_payments_committed(orders)
        return orders

    @api.model
    def _autosales_isolated(self, order, func, attempts=3):
        """Run ``func`` for ``order`` so that its failure touches no other
        order, and commit its outcome (outside tests); return its result.

        A transaction that lost a race (serialization failure, lock) is run
        again on a fresh snapshot, a few times, then left to the next run.
        """
        StandingOrder = self.env["sale.standing.order"]
        for attempt in range(attempts):
            try:
                with self.env.cr.savepoint():
                    result = func()
            except RETRYABLE_ERRORS:
                if odoo_module.current_test:
                    raise
                self.env.cr.rollback()
                self.env.invalidate_all()
                _logger.info("Payment of order %s conflicted, retrying", order.name)
                time.sleep(random.uniform(0, 0.1 * 2**attempt))
                continue
            except Exception as error:  # noqa: BLE001 - reported on the order
                _logger.exception("Payment of order %s failed", order.name)
                order.message_post(
                    body=self.env._(
                        "The payment of this order could not be processed: %s",
                        error.args[0] if error.args else error.__class__.__name__,
                    ),
                    subtype_xmlid="mail.mt_note",
                )
                result = None
            StandingOrder._commit_progress()
            return result
        return None
