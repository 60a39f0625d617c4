import math
from datetime import date

from werkzeug.urls import url_encode

from odoo import fields, http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.fields import Command
from odoo.http import request
from odoo.tools import format_date

from odoo.addons.payment.controllers.portal import PaymentPortal
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

FLASH_KEY = "autosales_portal_flash"
# What an emailed link (access token) may do without signing in: nothing
# that spends money, changes where goods go or which card is charged.
TOKEN_OPERATIONS = ("pause", "skip")
# Largest id a form may post (PostgreSQL integer).
MAX_ID = 2**31 - 1
# How many of the next orders the page of a standing order lists.
UPCOMING_ORDER_COUNT = 5


def parse_number(value, label, integer=False):
    """Parse a number posted by a form; a clear error when it is not one.

    Infinite and NaN values are refused here: the ORM cannot round them.
    """
    try:
        number = int(value) if integer else float(value)
    except (TypeError, ValueError, OverflowError):
        raise UserError(request.env._("%s: enter a number.", label)) from None
    if not math.isfinite(number):
        raise UserError(request.env._("%s: enter a number.", label))
    return number


def parse_id(value):
    """Parse the id of a choice posted by a form (0 when it is not one)."""
    if not isinstance(value, str) or not value.isdigit() or len(value) > 10:
        return 0
    number = int(value)
    return number if number <= MAX_ID else 0


class StandingOrderPortal(CustomerPortal):
    # === HELPERS === #

    def _standing_orders_domain(self):
        partner = request.env.user.partner_id
        return [("partner_id", "child_of", [partner.commercial_partner_id.id])]

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "standing_order_count" in counters:
            StandingOrder = request.env["sale.standing.order"]
            values["standing_order_count"] = (
                StandingOrder.search_count(self._standing_orders_domain())
                if StandingOrder.has_access("read")
                else 0
            )
        return values

    def _get_standing_order_sortings(self):
        return {
            "next_date": {
                "label": request.env._("Next Order"),
                "order": "next_date asc, id desc",
            },
            "name": {"label": request.env._("Reference"), "order": "name desc"},
            "state": {"label": request.env._("Status"), "order": "state, next_date"},
        }

    def _get_standing_order_filters(self):
        return {
            "all": {"label": request.env._("All"), "domain": []},
            "running": {
                "label": request.env._("Running"),
                "domain": [("state", "in", ("active", "exception"))],
            },
            "paused": {
                "label": request.env._("Paused"),
                "domain": [("state", "=", "paused")],
            },
            "ended": {
                "label": request.env._("Ended"),
                "domain": [("state", "in", ("done", "cancelled"))],
            },
        }

    def _flash(self, message, level="success"):
        request.session[FLASH_KEY] = {"message": message, "level": level}

    def _get_standing_order_upcoming_dates(self, standing_sudo):
        """Days of the next orders of a running standing order, as its
        schedule plans them (moved off closed days, none after its end)."""
        if standing_sudo.state not in ("active", "paused", "exception"):
            return []
        try:
            return [
                day
                for _date, day in standing_sudo._get_due_occurrences(
                    date.max, limit=UPCOMING_ORDER_COUNT
                )
            ]
        except (ValueError, OverflowError):
            # The schedule runs past the last date a calendar holds.
            return [standing_sudo.next_date]

    def _is_standing_order_owner(self, standing_sudo):
        """Whether the signed-in user orders for the customer of
        ``standing_sudo`` (a portal or internal user of its company)."""
        user = request.env.user
        return (
            not user._is_public()
            and user.partner_id.commercial_partner_id
            == standing_sudo.commercial_partner_id
        )

    # === ROUTES === #

    @http.route(
        ["/my/standing-orders", "/my/standing-orders/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_standing_orders(self, page=1, sortby=None, filterby=None, **kw):
        StandingOrder = request.env["sale.standing.order"]
        sortings = self._get_standing_order_sortings()
        filters = self._get_standing_order_filters()
        sortby = sortby if sortby in sortings else "next_date"
        filterby = filterby if filterby in filters else "all"
        domain = self._standing_orders_domain() + filters[filterby]["domain"]
        pager = portal_pager(
            url="/my/standing-orders",
            url_args={"sortby": sortby, "filterby": filterby},
            total=StandingOrder.search_count(domain),
            page=page,
            step=self._items_per_page,
        )
        standing_orders = StandingOrder.search(
            domain,
            order=sortings[sortby]["order"],
            limit=self._items_per_page,
            offset=pager["offset"],
        )
        request.session["my_standing_orders_history"] = standing_orders.ids[:100]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                # Searched with the user's rules; rendered with sudo like
                # Odoo's own portal lists (prices, links with tokens).
                "standing_orders": standing_orders.sudo(),
                "page_name": "standing_order",
                "pager": pager,
                "default_url": "/my/standing-orders",
                "searchbar_sortings": sortings,
                "sortby": sortby,
                "searchbar_filters": filters,
                "filterby": filterby,
            }
        )
        return request.render("autosales_addon.portal_my_standing_orders", values)

    @http.route(
        ["/my/standing-orders/<int:order_id>"], type="http", auth="public", website=True
    )
    def portal_standing_order_page(self, order_id, access_token=None, **kw):
        try:
            standing_sudo = self._document_check_access(
                "sale.standing.order", order_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return request.redirect("/my")
        values = self._get_page_view_values(
            standing_sudo,
            access_token,
            {
                "standing_order": standing_sudo,
                "page_name": "standing_order",
                "flash": request.session.pop(FLASH_KEY, None),
                "addresses": standing_sudo._get_portal_addresses(),
                "tokens": standing_sudo._get_portal_tokens(),
                "interval_types": standing_sudo._fields[
                    "interval_type"
                ]._description_selection(request.env),
                "today": standing_sudo._get_today(),
                "upcoming_dates": self._get_standing_order_upcoming_dates(
                    standing_sudo
                ),
                "past_orders": standing_sudo._get_placed_orders()[:20],
                "is_owner": self._is_standing_order_owner(standing_sudo),
                "cancel_reasons": self._get_cancel_reasons(),
                "login_url": "/web/login?%s"
                % url_encode({"redirect": standing_sudo.get_portal_url()}),
                **self._get_standing_order_payment_values(standing_sudo),
            },
            "my_standing_orders_history",
            False,
        )
        return request.render("autosales_addon.portal_standing_order_page", values)

    @http.route(
        ["/my/standing-orders/<int:order_id>/<string:operation>"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_standing_order_operation(
        self, order_id, operation, access_token=None, **post
    ):
        try:
            standing_sudo = self._document_check_access(
                "sale.standing.order", order_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return request.not_found()
        handler = self._get_standing_order_operations().get(operation)
        if not handler:
            return request.not_found()
        if operation not in TOKEN_OPERATIONS and not self._is_standing_order_owner(
            standing_sudo
        ):
            self._flash(
                request.env._(
                    "Sign in to your account to do this: a link from an email may only "
                    "pause the standing order or skip its next order."
                ),
                "warning",
            )
            return request.redirect(standing_sudo.get_portal_url())
        author = (
            standing_sudo.partner_id
            if request.env.user._is_public()
            else request.env.user.partner_id
        )
        standing_sudo = standing_sudo.with_context(autosales_author_id=author.id)
        try:
            with request.env.cr.savepoint():
                message = handler(standing_sudo, post)
                # What the operation left to recompute (e.g. the amounts of
                # a cancelled order's lines) is written with the rights it
                # ran with, not the visitor's when the savepoint ends.
                standing_sudo.env.flush_all()
        except (UserError, ValidationError) as error:
            self._flash(error.args[0], "danger")
        except ValueError:
            self._flash(request.env._("That value is not valid."), "danger")
        else:
            self._flash(message)
        return request.redirect(standing_sudo.get_portal_url())

    # === OPERATIONS === #

    def _get_standing_order_operations(self):
        """Map the POST operations of the portal to their handlers.

        Each handler gets the (sudoed, access-checked) standing order and the
        posted values, reads only the values it needs and returns a message.
        """
        return {
            "pause": self._operation_pause,
            "resume": self._operation_resume,
            "skip": self._operation_skip,
            "order-now": self._operation_order_now,
            "cancel": self._operation_cancel,
            "quantity": self._operation_quantity,
            "interval": self._operation_interval,
            "next-date": self._operation_next_date,
            "address": self._operation_address,
            "payment-method": self._operation_payment_method,
            "prepared": self._operation_prepared,
            "prepared-confirm": self._operation_prepared_confirm,
        }

    def _operation_pause(self, standing, post):
        standing.action_pause()
        standing._notify_change(
            request.env._("The customer paused the standing order.")
        )
        return request.env._(
            "Your standing order is paused: no order will be placed until you resume "
            "it."
        )

    def _operation_resume(self, standing, post):
        if standing.state != "paused":
            raise UserError(
                request.env._("Only a paused standing order can be resumed.")
            )
        standing.action_resume()
        standing._notify_change(
            request.env._("The customer resumed the standing order.")
        )
        return request.env._(
            "Your standing order runs again; the next order is planned on %s.",
            format_date(request.env, standing.next_date),
        )

    def _operation_skip(self, standing, post):
        skipped = standing.next_date
        standing.action_skip_next()
        standing._notify_change(
            request.env._(
                "The customer skipped the order of %s.",
                format_date(request.env, skipped),
            )
        )
        return request.env._(
            "The order of %(skipped)s is skipped; the next one is planned on %(next)s.",
            skipped=format_date(request.env, skipped),
            next=format_date(request.env, standing.next_date),
        )

    def _operation_order_now(self, standing, post):
        # The page said which order it places: a second click (or a form
        # sent again) finds the schedule moved on and places nothing.
        if post.get("occurrence") != fields.Date.to_string(standing.next_date):
            raise UserError(
                request.env._(
                    "This order was already placed; the next one is planned on %s.",
                    format_date(request.env, standing.next_date),
                )
            )
        before = standing.order_ids
        standing.action_generate_now()
        orders = standing.order_ids - before
        if not orders:
            raise UserError(
                request.env._(
                    "No order could be placed: %s", standing.exception_reason or ""
                )
            )
        standing._notify_change(
            request.env._(
                "The customer placed the next order now: %s.",
                ", ".join(orders.mapped("name")),
            )
        )
        return request.env._(
            "Your order %s was placed.", ", ".join(orders.mapped("name"))
        )

    def _get_cancel_reasons(self):
        """The reasons a customer may give for cancelling: the active ones.

        A short list of names, the same for everyone (visitors of an emailed
        link included), hence read with sudo.
        """
        return request.env["autosales.cancel.reason"].sudo().search([])

    def _operation_cancel(self, standing, post):
        reasons = self._get_cancel_reasons()
        cancel_reason = reasons.filtered(
            lambda reason: reason.id == parse_id(post.get("reason_id"))
        )
        if reasons and not cancel_reason:
            raise UserError(request.env._("Choose why you cancel the standing order."))
        note = (post.get("reason") or "").strip()[:1000]
        standing.action_cancel(
            reason=note or None, cancel_reason_id=cancel_reason.id or None
        )
        standing._notify_change(
            request.env._("The customer cancelled the standing order.")
        )
        return request.env._(
            "Your standing order is cancelled. Orders already placed are not affected."
        )

    def _operation_quantity(self, standing, post):
        line = standing.line_ids.filtered(
            lambda line: line.id == parse_id(post.get("line_id"))
        )
        standing._change_quantity(
            line, parse_number(post.get("quantity"), request.env._("Quantity"))
        )
        return request.env._("The quantity was updated.")

    def _operation_interval(self, standing, post):
        standing._change_interval(
            parse_number(
                post.get("interval_number"), request.env._("Interval"), integer=True
            ),
            post.get("interval_type"),
        )
        return request.env._(
            "Your standing order now repeats: %s.", standing._get_interval_label()
        )

    def _operation_next_date(self, standing, post):
        next_date = fields.Date.to_date(post.get("next_date") or None)
        if not next_date:
            raise ValueError("missing date")
        standing._change_next_date(next_date)
        return request.env._(
            "The next order is planned on %s.",
            format_date(request.env, standing.next_date),
        )

    def _operation_address(self, standing, post):
        address = (
            request.env["res.partner"]
            .sudo()
            .browse(parse_id(post.get("address_id")))
            .exists()
        )
        standing._change_shipping_address(address)
        return request.env._("The delivery address was updated.")

    def _operation_payment_method(self, standing, post):
        token = (
            request.env["payment.token"]
            .sudo()
            .browse(parse_id(post.get("token_id")))
            .exists()
        )
        standing._change_payment_token(token)
        return request.env._("The payment method was updated.")

    def _operation_prepared(self, standing, post):
        order = standing._get_prepared_order()
        quantities = {
            line: parse_number(
                post.get(f"quantity_{line.id}"), line.product_id.display_name
            )
            for line in order.order_line
            if not line.display_type and f"quantity_{line.id}" in post
        }
        standing._change_prepared_order(
            quantities,
            reference=post.get("reference"),
            apply_to_all=bool(post.get("apply_to_all")),
        )
        standing._notify_change(
            request.env._("The customer changed the prepared order %s.", order.name)
        )
        if post.get("apply_to_all"):
            return request.env._(
                "Order %s was updated, and its quantities apply to all future orders.",
                order.name,
            )
        return request.env._("Order %s was updated.", order.name)

    def _operation_prepared_confirm(self, standing, post):
        # The page said which order it confirms: a second click finds it
        # confirmed and confirms nothing.
        order = standing.prepared_order_id
        if not order or parse_id(post.get("prepared_order_id")) != order.id:
            raise UserError(
                request.env._("This order was already confirmed, skipped or placed.")
            )
        standing._confirm_prepared_order()
        standing._notify_change(
            request.env._("The customer confirmed the prepared order %s.", order.name)
        )
        if order.state == "sale":
            return request.env._("Thank you: order %s is confirmed.", order.name)
        return request.env._(
            "Thank you: order %s is placed and will be confirmed once processed.",
            order.name,
        )

    # === PAYMENT METHOD (a new card, on the standing order's page) === #

    def _get_standing_order_payment_values(self, standing_sudo):
        """Values of the payment form that saves a new card for the standing
        order: it pays the order waiting for a payment, if any, otherwise it
        only saves the card (validation)."""
        if standing_sudo.state not in (
            "draft",
            "active",
            "paused",
            "exception",
        ) or not self._is_standing_order_owner(standing_sudo):
            return {}
        partner_sudo = request.env.user.partner_id
        pending = standing_sudo._get_payment_pending_order()
        company = standing_sudo.company_id
        amount = pending.amount_total if pending else 0.0
        currency = pending.currency_id if pending else standing_sudo.currency_id
        providers_sudo = (
            request.env["payment.provider"]
            .sudo()
            ._get_compatible_providers(
                company.id,
                partner_sudo.id,
                amount,
                currency_id=currency.id,
                force_tokenization=True,
                is_validation=not pending,
            )
        )
        payment_methods_sudo = (
            request.env["payment.method"]
            .sudo()
            ._get_compatible_payment_methods(
                providers_sudo.ids,
                partner_sudo.id,
                currency_id=currency.id,
                force_tokenization=True,
            )
        )
        return {
            "payment_pending_order": pending,
            "mode": "payment" if pending else "validation",
            "allow_token_selection": False,
            "show_tokenize_input_mapping": dict.fromkeys(providers_sudo.ids, False),
            "amount": amount if pending else None,
            "currency": currency,
            "partner_id": partner_sudo.id,
            "providers_sudo": providers_sudo,
            "payment_methods_sudo": payment_methods_sudo,
            "tokens_sudo": request.env["payment.token"].sudo(),
            "transaction_route": standing_sudo.get_portal_url(suffix="/transaction"),
            "landing_route": standing_sudo.get_portal_url(anchor="payment"),
            "access_token": standing_sudo._portal_ensure_token(),
        }


class StandingOrderPaymentPortal(PaymentPortal):
    @http.route(
        "/my/standing-orders/<int:order_id>/transaction", type="json", auth="user"
    )
    def standing_order_transaction(self, order_id, access_token=None, **kwargs):
        """Create the transaction of a new card for a standing order: it pays
        the order waiting for a payment (if any) and saves the card, which
        the standing order is charged with from then on."""
        try:
            standing_sudo = self._document_check_access(
                "sale.standing.order", order_id, access_token=access_token
            )
        except (AccessError, MissingError) as error:
            raise ValidationError(
                request.env._("The access token is invalid.")
            ) from error
        partner_sudo = request.env.user.partner_id
        if partner_sudo.commercial_partner_id != standing_sudo.commercial_partner_id:
            raise ValidationError(
                request.env._("Only the customer of this standing order may do this.")
            )
        standing_sudo._check_running()
        self._validate_transaction_kwargs(kwargs)
        pending = standing_sudo._get_payment_pending_order()
        custom_values = {"autosales_standing_order_id": standing_sudo.id}
        kwargs.update(
            partner_id=partner_sudo.id,
            tokenization_requested=True,
            is_validation=not pending,
        )
        if pending:
            kwargs.update(
                amount=pending.amount_total,
                currency_id=pending.currency_id.id,
                sale_order_id=pending.id,
            )
            custom_values["sale_order_ids"] = [Command.set(pending.ids)]
        else:
            kwargs.update(
                amount=None,
                currency_id=standing_sudo.currency_id.id,
                reference_prefix=f"{standing_sudo.name}-CARD",
            )
        transaction_sudo = self._create_transaction(
            custom_create_values=custom_values, **kwargs
        )
        return transaction_sudo._get_processing_values()
