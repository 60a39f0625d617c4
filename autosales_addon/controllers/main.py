import logging

from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from odoo.addons.website_sale.controllers.delivery import Delivery
from odoo.addons.website_sale.controllers.main import WebsiteSale
from odoo.addons.website_sale.controllers.payment import PaymentPortal

from .portal import parse_id

_logger = logging.getLogger(__name__)

ON_ACCOUNT_ERROR_KEY = "autosales_on_account_error"


def check_express_checkout_allowed(order_sudo):
    """Refuse the express checkout of a repeated cart.

    Express checkout (Google Pay, Apple Pay, ...) pays the cart from the
    cart page, skipping the steps a repeated order needs: the consent to the
    payment method being saved and charged again, and the saved payment
    method itself. The cart does not offer it; this refuses a forged call.

    :raise UserError: if the cart is set to repeat
    """
    if order_sudo and order_sudo.autosales_repeat_option_id:
        raise UserError(
            request.env._(
                "Express checkout cannot set up a repeated order. Go through the "
                "checkout to repeat it, or make it a one-time purchase in your cart."
            )
        )


class AutosalesWebsiteSale(WebsiteSale):
    @http.route(
        "/shop/cart/repeat", type="http", auth="public", methods=["POST"], website=True
    )
    def shop_cart_repeat(self, repeat_option_id=None, **post):
        """Store on the cart whether (and how often) to repeat the order."""
        order_sudo = request.website.sale_get_order()
        if not order_sudo:
            return request.redirect("/shop/cart")
        option = (
            request.env["autosales.repeat.option"]
            .sudo()
            .browse(parse_id(repeat_option_id))
            .exists()
        )
        if option and request.env.user._is_public():
            # A repeated order belongs to an account: sign in first, then
            # come back to the cart to choose again.
            return request.redirect("/web/login?redirect=/shop/cart")
        try:
            order_sudo._autosales_set_repeat_option(option)
        except UserError as error:
            # An interval that is not offered (forged form): the cart is unchanged.
            _logger.info("Repeat option refused for %s: %s", order_sudo.name, error)
        return request.redirect(post.get("redirect") or "/shop/cart")

    @http.route()
    def process_express_checkout(
        self, billing_address, shipping_address=None, shipping_option=None, **kwargs
    ):
        check_express_checkout_allowed(request.website.sale_get_order())
        return super().process_express_checkout(
            billing_address,
            shipping_address=shipping_address,
            shipping_option=shipping_option,
            **kwargs,
        )

    def _get_shop_payment_values(self, order, **kwargs):
        values = super()._get_shop_payment_values(order, **kwargs)
        logged_in = not request.env.user._is_public()
        values["autosales_on_account_available"] = bool(
            logged_in
            and order.partner_id.commercial_partner_id
            == request.env.user.partner_id.commercial_partner_id
            and not order._autosales_get_on_account_error()
        )
        values["autosales_on_account_error"] = request.session.pop(
            ON_ACCOUNT_ERROR_KEY, None
        )
        return values

    def _get_shop_payment_errors(self, order):
        errors = super()._get_shop_payment_errors(order)
        if order.autosales_repeat_option_id and request.env.user._is_public():
            errors.append(
                (
                    request.env._("Sign in to repeat your order."),
                    request.env._(
                        "A repeated order is linked to your account, so that you can "
                        "manage it later. Sign in or create an account, or make it a "
                        "one-time purchase in your cart."
                    ),
                )
            )
        return errors

    @http.route(
        "/shop/payment/on_account",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def shop_payment_on_account(self, **post):
        """Confirm the cart without online payment, charged to the account."""
        order_sudo = request.website.sale_get_order()
        if redirection := self._check_cart_and_addresses(order_sudo):
            return redirection
        if redirection := self._check_shipping_method(order_sudo):
            return redirection
        user_customer = request.env.user.partner_id.commercial_partner_id
        if order_sudo.partner_id.commercial_partner_id != user_customer:
            error = request.env._("This order belongs to another customer.")
        else:
            error = order_sudo._autosales_confirm_on_account()
        if error:
            request.session[ON_ACCOUNT_ERROR_KEY] = error
            return request.redirect("/shop/payment")
        request.session["sale_last_order_id"] = order_sudo.id
        request.website.sale_reset()
        return request.redirect("/shop/confirmation")


class AutosalesDelivery(Delivery):
    @http.route()
    def express_checkout_process_delivery_address(self, partial_delivery_address):
        check_express_checkout_allowed(request.website.sale_get_order())
        return super().express_checkout_process_delivery_address(
            partial_delivery_address
        )


class AutosalesShopPayment(PaymentPortal):
    @http.route()
    def shop_payment_transaction(self, order_id, access_token, **kwargs):
        """A guest cannot pay a repeated order: it is set up for an account."""
        order_sudo = request.env["sale.order"].sudo().browse(order_id).exists()
        if order_sudo.autosales_repeat_option_id and request.env.user._is_public():
            raise ValidationError(
                request.env._(
                    "Sign in or create an account to repeat your order, or make it a "
                    "one-time purchase in your cart."
                )
            )
        return super().shop_payment_transaction(order_id, access_token, **kwargs)
