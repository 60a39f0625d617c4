from odoo import fields, http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request
from odoo.tools import format_date

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

FLASH_KEY = "autosales_portal_flash"


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
                "past_orders": standing_sudo.order_ids.sorted(
                    "standing_order_date", reverse=True
                )[:20],
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
        author = (
            standing_sudo.partner_id
            if request.env.user._is_public()
            else request.env.user.partner_id
        )
        standing_sudo = standing_sudo.with_context(autosales_author_id=author.id)
        try:
            with request.env.cr.savepoint():
                message = handler(standing_sudo, post)
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
            skipped=skipped,
            next=format_date(request.env, standing.next_date),
        )

    def _operation_order_now(self, standing, post):
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

    def _operation_cancel(self, standing, post):
        reason = (post.get("reason") or "").strip()[:1000]
        standing.action_cancel(reason=reason or None)
        standing._notify_change(
            request.env._("The customer cancelled the standing order.")
        )
        return request.env._(
            "Your standing order is cancelled. Orders already placed are not affected."
        )

    def _operation_quantity(self, standing, post):
        line = standing.line_ids.filtered(
            lambda line: str(line.id) == str(post.get("line_id"))
        )
        standing._change_quantity(line, float(post.get("quantity", "")))
        return request.env._("The quantity was updated.")

    def _operation_interval(self, standing, post):
        standing._change_interval(
            int(post.get("interval_number", "")), post.get("interval_type")
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
            .browse(int(post.get("address_id", "")))
            .exists()
        )
        standing._change_shipping_address(address)
        return request.env._("The delivery address was updated.")

    def _operation_payment_method(self, standing, post):
        token = (
            request.env["payment.token"]
            .sudo()
            .browse(int(post.get("token_id", "")))
            .exists()
        )
        standing._change_payment_token(token)
        return request.env._("The payment method was updated.")
