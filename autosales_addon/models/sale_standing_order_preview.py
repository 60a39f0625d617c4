import logging
import math

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import float_compare, format_date
from odoo.tools.misc import formatLang

from .sale_standing_order_generation import DEFAULT_BATCH_SIZE
from .sale_standing_order_line import MAX_QUANTITY

_logger = logging.getLogger(__name__)


class SaleStandingOrder(models.Model):
    """Upcoming orders prepared ahead: the order of the next occurrence is
    made ``preview_days`` before its date as a quotation the customer reviews
    in the portal (quantities and purchase order number of that order only,
    confirm, skip).

    A prepared order is the order of its occurrence (``standing_order_date``
    is unique per standing order): on its date the generation takes it
    instead of making one, so it runs through the same claim, confirmation,
    payment and invoicing as any generated order, exactly once. The schedule
    moves on when the occurrence is used up: confirmed by the customer or the
    salesperson, skipped, or taken on its date.
    """

    _inherit = "sale.standing.order"  # pylint: disable=consider-merging-classes-inherited

    # === PREPARATION (scheduled action) === #

    @api.model
    def _get_prepare_domain(self, today=None):
        """Domain of the standing orders whose next order is to be prepared
        now: its preparation day has come (today for each, in its company's
        time zone, by default) and its date has not."""
        domain = [
            ("state", "=", "active"),
            ("preview_days", ">", 0),
            ("prepared_order_id", "=", False),
        ]
        if today:
            return domain + [("prepare_date", "<=", today), ("next_date", ">", today)]
        return expression.AND(
            [
                domain,
                self._get_company_today_domain("prepare_date", "<="),
                self._get_company_today_domain("next_date", ">"),
            ]
        )

    @api.model
    def _cron_prepare_orders(self, today=None, batch_size=DEFAULT_BATCH_SIZE):
        """Prepare the next orders that are due for preparation, batch by
        batch (each committed on its own outside tests), then remind the
        customers whose prepared order waits for them.

        :return: the prepared orders
        """
        prepared = self.env["sale.order"]
        while True:
            batch = self._with_serialization_retry(
                lambda: self._prepare_batch(today, batch_size)
            )
            if not batch:
                break
            prepared |= batch
            self._commit_progress()
        self._send_prepared_reminders(today)
        self._commit_progress()
        return prepared

    def _prepare_batch(self, today, batch_size):
        """Claim a batch of standing orders to prepare (rows held by another
        worker are skipped) and prepare their next orders."""
        self.env.flush_all()
        claimed = self._lock_unheld(
            self._get_prepare_domain(today), order="prepare_date, id", limit=batch_size
        )
        orders = claimed._prepare_next_orders()
        # Written here, a conflict with another worker is retried with the
        # batch instead of failing its commit.
        self.env.flush_all()
        return orders

    def _prepare_next_orders(self):
        """Create the orders of the next occurrences of ``self`` (locked by
        the caller) as quotations and email them to the customers.

        A standing order that cannot be ordered now (no payment method, an
        archived product...) is left alone: on its date the generation puts
        it in exception with the reason, as without preparation.
        """
        if not self:
            return self.env["sale.order"]
        ready = self.filtered(
            lambda standing: not standing._is_payment_method_lost()
            and not standing._get_generation_error()
        )
        plan = {standing: [standing._get_next_occurrence()[1:]] for standing in ready}
        orders = self.with_context(autosales_prepare=True)._create_occurrence_orders(
            plan
        )
        by_standing = {order.standing_order_id: order for order in orders}
        missing = [standing for standing in plan if standing not in by_standing]
        if missing:
            # Prepared already by a run whose link was lost: link it again.
            for order in self.env["sale.order"].search(
                [
                    ("standing_order_id", "in", [standing.id for standing in missing]),
                    (
                        "standing_order_date",
                        "in",
                        [plan[standing][0][0] for standing in missing],
                    ),
                ]
            ):
                if order.standing_order_id._is_next_occurrence(order):
                    by_standing[order.standing_order_id] = order
        template = self.env.ref("autosales_addon.mail_template_standing_order_prepared")
        for standing, order in by_standing.items():
            standing.prepared_order_id = order
            if order in orders:
                standing._autosales_send_customer_email(template)
        return orders

    @api.model
    def _send_prepared_reminders(self, today=None):
        """Remind customers, the day before its date, of a prepared order that
        will wait for them (policy "wait for the customer")."""
        domain = [
            ("state", "=", "active"),
            ("preview_policy", "=", "hold"),
            ("prepared_order_id.autosales_preview_state", "=", "waiting"),
            ("prepared_order_id.autosales_preview_reminded", "=", False),
        ]
        if today:
            domain.append(("next_date", "<=", fields.Date.add(today, days=1)))
        else:
            domain = expression.AND(
                [domain, self._get_company_today_domain("next_date", "<=", days=1)]
            )
        standing_orders = self.search(domain)
        template = self.env.ref(
            "autosales_addon.mail_template_standing_order_prepared_reminder"
        )
        standing_orders._autosales_send_customer_email(template)
        standing_orders.prepared_order_id.autosales_preview_reminded = True
        return standing_orders

    # === ON ITS DATE (generation) === #

    def _is_next_occurrence(self, order):
        """Whether ``order`` is the order of the next occurrence."""
        self.ensure_one()
        return order.standing_order_date == self._get_occurrence_date(
            self.occurrence_index
        )

    def _is_waiting_for_customer(self, occurrences):
        """Whether the prepared order among ``occurrences`` ((date, day)
        pairs) waits for the customer and must not be confirmed without
        them."""
        self.ensure_one()
        prepared = self.prepared_order_id
        return (
            self.preview_policy == "hold"
            and prepared.autosales_preview_state == "waiting"
            and prepared.standing_order_date in [date for date, _day in occurrences]
            and not self.env.context.get("autosales_release_prepared")
        )

    def _set_waiting_for_customer(self):
        """Stop until the customer confirms or skips the prepared order."""
        for standing in self:
            standing._set_exception(
                self.env._(
                    "Order %(order)s of %(date)s waits for the customer: they have "
                    "neither confirmed nor skipped it. Confirm it on their behalf, "
                    "skip it, or resume the standing order to confirm it.",
                    order=standing.prepared_order_id.name,
                    date=format_date(self.env, standing.next_date),
                )
            )
        self.exception_waiting = True

    def _take_prepared_orders(self, plan):
        """Split ``plan`` ({standing order: [(date, day)]}) into the
        occurrences whose order is still to be made and the prepared orders
        that stand for the others; return (plan to create, prepared orders)."""
        to_create = {}
        taken = self.env["sale.order"]
        for standing, occurrences in plan.items():
            prepared = standing.prepared_order_id
            if prepared.standing_order_date in [date for date, _day in occurrences]:
                occurrences = [
                    (date, day)
                    for date, day in occurrences
                    if date != prepared.standing_order_date
                ]
                if prepared.state in ("draft", "sent"):
                    taken |= prepared
            if occurrences:
                to_create[standing] = occurrences
        taken.filtered(
            lambda order: order.autosales_preview_state == "waiting"
        ).autosales_preview_state = (
            "confirmed"
            if self.env.context.get("autosales_release_prepared")
            else "released"
        )
        return to_create, taken

    # === THE CUSTOMER'S ANSWER === #

    def _use_prepared_occurrence(self, order, generated=True):
        """The prepared ``order`` was confirmed or skipped before the
        generation took it: the schedule moves past its occurrence, and a
        standing order that waited for the customer runs again."""
        self.ensure_one()
        self._lock_for_generation()
        if self.prepared_order_id == order and self._is_next_occurrence(order):
            self._advance_schedule(1, generated=generated)
        if self.state == "exception" and self.exception_waiting:
            self.write(
                {
                    "state": "active",
                    "exception_reason": False,
                    "exception_waiting": False,
                }
            )
            self._close_exception_activities()
        self._close_finished()

    def _get_prepared_order(self):
        """The prepared order waiting for the customer, or an explicit error."""
        self.ensure_one()
        order = self.prepared_order_id
        if (
            not order
            or order.autosales_preview_state != "waiting"
            or order.state not in ("draft", "sent")
        ):
            raise UserError(
                self.env._(
                    "The next order of standing order %s is not waiting for a review "
                    "any more: it was confirmed, skipped or placed already.",
                    self.name,
                )
            )
        return order

    def _confirm_prepared_order(self):
        """Confirm the prepared order now, as the customer asked: it is
        confirmed (or charged, for pay-now standing orders) at once."""
        self.ensure_one()
        order = self._get_prepared_order()
        order.autosales_preview_state = "confirmed"
        self._use_prepared_occurrence(order)
        self._close_upcoming_reminders()
        self._process_generated_orders(order)
        self._send_pending_payments(order)
        return order

    def _skip_prepared_order(self):
        """Skip the prepared order: it is cancelled (so its occurrence is
        never made again) and the schedule moves on."""
        self.ensure_one()
        order = self._get_prepared_order()
        order._action_cancel()
        return order

    def _change_prepared_order(self, quantities, reference=None, apply_to_all=False):
        """Change the prepared order: ``quantities`` ({order line: quantity})
        and the customer's purchase order number of this order only; with
        ``apply_to_all``, the quantities of the standing order's lines too.

        The prices stay those of the prepared order: the quotation the
        customer was sent is the price they confirm.
        """
        self.ensure_one()
        self._check_running()
        order = self._get_prepared_order()
        changes = []
        for line, quantity in quantities.items():
            line = line.with_env(self.env)
            if line.order_id != order or line.display_type:
                raise UserError(
                    self.env._("This product is not part of order %s.", order.name)
                )
            if not math.isfinite(quantity) or not 0 <= quantity <= MAX_QUANTITY:
                raise ValidationError(
                    self.env._(
                        "The quantity of %(product)s must be between zero and %(max)s.",
                        product=line.product_id.display_name,
                        max=formatLang(self.env, MAX_QUANTITY, digits=0),
                    )
                )
            if float_compare(
                quantity,
                line.product_uom_qty,
                precision_rounding=line.product_uom.rounding,
            ):
                changes.append((line, quantity))
        new_quantities = dict(changes)
        if not any(
            new_quantities.get(line, line.product_uom_qty) > 0
            for line in order.order_line.filtered(lambda line: not line.display_type)
        ):
            raise ValidationError(
                self.env._(
                    "An order needs at least one product: skip the order instead "
                    "of setting every quantity to zero."
                )
            )
        for line, quantity in changes:
            # The unit price and discount the customer was sent stay, whatever
            # the pricelist says for the new quantity.
            line.write(
                {
                    "product_uom_qty": quantity,
                    "price_unit": line.price_unit,
                    "technical_price_unit": line.price_unit,
                    "discount": line.discount,
                }
            )
        if apply_to_all:
            for line, quantity in changes:
                if line.standing_order_line_id and quantity:
                    self._change_quantity(line.standing_order_line_id, quantity)
        reference = (reference or "").strip()[:100] or False
        if reference != (order.client_order_ref or False):
            order.client_order_ref = reference
        return order
