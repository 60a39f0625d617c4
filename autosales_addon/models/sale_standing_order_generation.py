import contextlib
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
    """The generation engine of standing orders: which occurrences are due,
    claiming them across workers, creating their orders exactly once,
    confirming them (credit limit, payment) and committing in batches."""

    _inherit = "sale.standing.order"

    # === GENERATION === #

    def _get_due_occurrences(
        self, until, force_next=False, limit=MAX_OCCURRENCES_PER_PASS
    ):
        """``(occurrence date, day)`` of the occurrences to generate now (those
        taking place on or before ``until``), oldest first.

        An occurrence is due on its day (its date moved to a working day or a
        delivery day, see :meth:`_shift_occurrence_dates`); its date stays
        what identifies it, and what the end date of the standing order
        bounds.
        """
        self.ensure_one()
        occurrences = []
        generated = self.generated_count
        for _index, date, day in self._iter_schedule():
            if len(occurrences) >= limit:
                break
            if day > until and not (force_next and not occurrences):
                break
            if self.end_type == "date" and date > self.end_date:
                break
            if self.end_type == "count" and generated >= self.max_occurrences:
                break
            occurrences.append((date, day))
            generated += 1
        return occurrences

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
    def _get_due_domain(self, until=None):
        """Domain of the standing orders with an occurrence due on or before
        ``until`` (by default, today for each: in its company's time zone)."""
        if until:
            return [("state", "=", "active"), ("next_date", "<=", until)]
        return expression.AND(
            [
                [("state", "=", "active")],
                self._get_company_today_domain("next_date", "<="),
            ]
        )

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
        self.env.flush_all()
        busy_customers = []
        while True:
            with self.env.cr.savepoint(flush=False) as savepoint:
                claimed = self._lock_unheld(
                    expression.AND(
                        [domain, [("commercial_partner_id", "not in", busy_customers)]]
                    )
                    if busy_customers
                    else domain,
                    order="next_date, id",
                    limit=limit,
                )
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

    def _lock_unheld(self, domain, order, limit=None):
        """Lock and return the standing orders of ``domain`` (among ``self``
        when it holds records) that no other transaction holds, first by
        ``order``: rows locked by another worker are skipped, so concurrent
        workers share the work. The caller flushes first."""
        if self.ids:
            domain = expression.AND([domain, [("id", "in", self.ids)]])
        query = self._search(domain, order=order, limit=limit)
        self.env.cr.execute(SQL("%s FOR UPDATE SKIP LOCKED", query.select()))
        return self.browse([row[0] for row in self.env.cr.fetchall()])

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

        :param date until: last occurrence date to generate (default: today
            for each standing order, in the time zone of its company)
        :param int limit: claim at most this many standing orders
        :return: the generated ``sale.order`` records
        """
        self._release_overdue_holds()
        standing_orders = self._claim_due(until, limit=limit)
        orders = standing_orders._generate_occurrences(until)
        standing_orders._send_pending_payments(orders)
        orders._autosales_invoice()
        return orders

    def _generate_occurrences(self, until, force_next=False):
        """Create (and process) the orders of the due occurrences of ``self``.

        ``self`` must be locked by the caller. Failures are isolated: a
        standing order that cannot be generated goes to exception and the
        others proceed.
        """

        def check(standing):
            if standing._is_payment_method_lost():
                standing._autosales_payment_method_lost()
            elif error := standing._get_generation_error():
                standing._set_exception(error)
                if standing._get_overdue_error() == error:
                    standing.exception_overdue = True
            else:
                occurrences = standing._get_due_occurrences(
                    until or standing._get_today(), force_next=force_next
                )
                if not occurrences:
                    # Claimed on a next order date the calendar, the
                    # settings or the delivery days have moved since.
                    standing._reschedule()
                if not standing._is_waiting_for_customer(occurrences):
                    return occurrences
                standing._set_waiting_for_customer()
            return None

        plan = {
            standing: dates
            for standing, dates in self._each_isolated(check).items()
            if dates
        }
        orders = self._create_occurrence_orders(plan)
        # Either every date of the plan has its order now, or the standing
        # order went to exception and keeps its schedule for a retry (the
        # orders already created are found again, never created twice).
        planned = self.browse([standing.id for standing in plan])
        planned._each_isolated(
            lambda standing: standing.state == "active"
            and standing._advance_schedule(len(plan[standing]))
        )
        planned._close_upcoming_reminders()
        self._process_generated_orders(orders)
        self._each_isolated(lambda standing: standing._close_finished())
        return orders

    def _each_isolated(self, step):
        """Run ``step(standing)`` for each standing order of ``self``; return
        {standing order: result}.

        All run in one savepoint; when one fails, they run again one by one,
        each in its own savepoint, so that only the faulty ones go to
        exception (with the reason) and the others proceed.
        """
        try:
            with self.env.cr.savepoint():
                return {standing: step(standing) for standing in self}
        except RETRYABLE_ERRORS:
            raise
        except Exception:  # noqa: BLE001 - run again one by one below
            _logger.info("A standing order failed in a batch, running them one by one")
        results = {}
        for standing in self:
            with standing._isolate_standing_order():
                results[standing] = step(standing)
        return results

    @contextlib.contextmanager
    def _isolate_standing_order(self):
        """Run a step of the generation of one standing order in a savepoint:
        when it fails, the standing order goes to exception with the reason
        and the generation of the others goes on."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                yield
        except RETRYABLE_ERRORS:
            raise
        except (UserError, ValidationError) as error:
            self._set_exception(str(error.args[0]))
        except Exception as error:  # noqa: BLE001 - the standing order reports it
            _logger.exception("Standing order %s could not be processed", self.name)
            self.invalidate_recordset()
            self._set_exception(
                self.env._(
                    "Standing order %(name)s could not be processed (%(error)s): check "
                    "its interval, dates and products.",
                    name=self.name,
                    error=str(error) or error.__class__.__name__,
                )
            )

    def _create_occurrence_orders(self, plan):
        """Create the orders of ``plan`` ({standing order: [dates]}).

        One batched ``create`` for the whole plan; when it fails, each standing
        order is retried on its own so only the faulty ones go to exception.
        """
        SaleOrder = self.env["sale.order"]
        if not plan:
            return SaleOrder
        plan, prepared = self._take_prepared_orders(plan)
        return prepared | self._create_orders_of_plan(plan)

    def _create_orders_of_plan(self, plan):
        SaleOrder = self.env["sale.order"]
        if not plan:
            return SaleOrder
        try:
            with self.env.cr.savepoint():
                # Each order is made in its company: its taxes, fiscal
                # position, warehouse and sequence.
                orders = SaleOrder
                for company, standing_orders in (
                    self.browse([standing.id for standing in plan])
                    .grouped("company_id")
                    .items()
                ):
                    orders |= SaleOrder.with_company(company).create(
                        [
                            standing._prepare_order_values(date, day)
                            for standing in standing_orders
                            for date, day in plan[standing]
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
        for standing, occurrences in plan.items():
            try:
                with self.env.cr.savepoint():
                    created = SaleOrder.with_company(standing.company_id).create(
                        [
                            standing._prepare_order_values(date, day)
                            for date, day in occurrences
                        ]
                    )
                    created._check_standing_order_prices()
                orders |= created
            except RETRYABLE_ERRORS:
                raise
            except psycopg2.errors.UniqueViolation:
                orders |= standing._create_missing_occurrence_orders(occurrences)
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

    def _create_missing_occurrence_orders(self, occurrences):
        """Another transaction generated some of ``occurrences`` ((date, day)
        pairs) already: create the rest."""
        self.ensure_one()
        dates = [date for date, _day in occurrences]
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
        missing = [(date, day) for date, day in occurrences if date not in existing]
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
                [self._prepare_order_values(date, day) for date, day in missing]
            )

    def _prepare_order_values(self, occurrence_date, day=None):
        """Values of the ``sale.order`` generated for ``occurrence_date``.

        :param date day: the day the occurrence takes place (default: as
            the schedule moves it); the delivery is promised from it
        """
        self.ensure_one()
        if not day:
            day = self._shift_occurrence_dates([occurrence_date])[occurrence_date]
        values = {
            "partner_id": self.partner_id.id,
            "partner_invoice_id": self.partner_invoice_id.id,
            "partner_shipping_id": self.partner_shipping_id.id,
            "company_id": self.company_id.id,
            "user_id": self.user_id.id,
            "team_id": self.team_id.id,
            "client_order_ref": self.client_order_ref,
            "autosales_invoicing_mode": self.invoicing_mode,
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
        if self.warehouse_id:
            values["warehouse_id"] = self.warehouse_id.id
        if self.note:
            values["note"] = self.note
        if commitment_date := self._get_commitment_date(day):
            values["commitment_date"] = commitment_date
        if self.payment_mode == "pay_now":
            values.update(require_payment=True, prepayment_percent=1.0)
        return values

    def _get_commitment_date(self, day):
        """Delivery promised for an order taking place on ``day``: the lead
        time after it (none without a lead time)."""
        self.ensure_one()
        if not self.lead_days:
            return False
        return fields.Datetime.add(
            fields.Datetime.to_datetime(day), days=self.lead_days, hours=12
        )

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
                for company, company_orders in orders.grouped("company_id").items():
                    company_orders.with_company(company).action_confirm()
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
                    order.with_company(order.company_id).action_confirm()
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
        self._release_overdue_holds()
        self._commit_progress()
        if self._use_queue_job():
            self._enqueue_generation(until, batch_size)
            self._cron_prepare_orders(until, batch_size)
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
        self._cron_prepare_orders(until, batch_size)
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
        self._invoice_generated_orders(orders)
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
                f"{until or fields.Date.today()}:{','.join(map(str, ids))}".encode()
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
                        date=until or self.env._("today"),
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

    def _invoice_generated_orders(self, orders):
        """Invoice the ``orders`` of a committed batch invoiced when confirmed.

        When the retries are exhausted, the invoicing scheduled action
        invoices them later: the orders themselves are committed.
        """
        try:
            self._with_serialization_retry(orders._autosales_invoice)
        except RETRYABLE_ERRORS:
            if odoo_module.current_test:
                raise
            self.env.cr.rollback()
            self.env.invalidate_all()
            _logger.info("Invoicing conflicted; left to the scheduled action")
            return
        self._commit_progress()

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

        def reserve():
            moves._autosales_prefetch_reservation()
            # No "Waiting -> Ready" tracking on the deliveries: reserved at
            # confirmation, they never showed one.
            moves.with_context(mail_notrack=True)._action_assign()

        try:
            self._with_serialization_retry(reserve)
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
            and so.state in ("draft", "sent")
        )
        self.env["sale.order"]._autosales_send_payments_committed(pay_now)

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
