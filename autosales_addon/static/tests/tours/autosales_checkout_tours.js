import { registry } from "@web/core/registry";
import * as tourUtils from "@website_sale/js/tours/tour_utils";

const PRODUCT = "LED Light Bulb E27";

function addBulbToCart() {
    return [
        ...tourUtils.searchProduct(PRODUCT),
        {
            content: "Open the product",
            trigger: `.oe_product_cart a:contains(${PRODUCT})`,
            run: "click",
        },
        {
            content: "The product page tells the order can be repeated",
            trigger: ".o_autosales_product_repeat_hint:contains('Every 2 months')",
        },
        {
            trigger: "#add_to_cart",
            run: "click",
        },
        tourUtils.goToCart(),
    ];
}

function checkoutToPayment() {
    return [
        tourUtils.goToCheckout(),
        tourUtils.confirmOrder(),
        {
            content: "The payment step is shown",
            trigger: "#payment_method",
        },
    ];
}

registry.category("web_tour.tours").add("autosales_checkout_one_time", {
    url: "/shop",
    steps: () => [
        ...addBulbToCart(),
        {
            content: "One-time purchase is the default",
            trigger: "#autosales_repeat_none:checked",
        },
        {
            content: "A one-time purchase can be paid by express checkout",
            trigger: "#o_cart_summary [name='o_express_checkout_container']",
        },
        ...checkoutToPayment(),
        {
            content: "No repeat in the summary",
            trigger: "#cart_total:not(:has(#order_autosales_repeat))",
        },
        ...tourUtils.payWithDemo(),
        {
            content: "The confirmation shows the order number and no standing order",
            trigger: "h5:contains('Order') span:contains('S0')",
            run() {
                if (document.querySelector(".o_autosales_confirmation_standing")) {
                    throw new Error("A one-time order must not create a standing order");
                }
            },
        },
    ],
});

registry.category("web_tour.tours").add("autosales_checkout_repeat_pay_now", {
    url: "/shop",
    steps: () => [
        ...addBulbToCart(),
        {
            content: "Choose to repeat the order every 2 months: saved at once",
            trigger: ".o_autosales_repeat_form label:contains('Every 2 months')",
            run: "click",
        },
        {
            content: "The choice is in the order summary, without pressing anything",
            trigger: ".o_autosales_repeat_summary:contains('Every 2 months')",
        },
        {
            content: "No express checkout: it would skip the consent to repeated charges",
            trigger: "#o_cart_summary:not(:has([name='o_express_checkout_container']))",
        },
        ...checkoutToPayment(),
        {
            content: "The choice is still in the summary at the payment step",
            trigger: ".o_autosales_repeat_summary:contains('Every 2 months') .o_autosales_repeat_change",
        },
        {
            content: "The customer is told the card is kept and charged again",
            trigger: ".o_autosales_repeat_consent:contains('Every 2 months'):contains('saved')",
        },
        ...tourUtils.payWithDemo(),
        {
            content: "The confirmation shows the new standing order",
            trigger: ".o_autosales_confirmation_standing .o_autosales_standing_name:contains('SO-STD/')",
        },
        {
            trigger: ".o_autosales_confirmation_standing:contains('Every 2 months')",
        },
    ],
});

registry.category("web_tour.tours").add("autosales_checkout_on_account", {
    url: "/shop",
    steps: () => [
        ...addBulbToCart(),
        {
            content: "Choose to repeat the order every 4 weeks",
            trigger: ".o_autosales_repeat_form label:contains('Every 4 weeks')",
            run: "click",
        },
        {
            trigger: ".o_autosales_repeat_summary:contains('Every 4 weeks')",
        },
        ...checkoutToPayment(),
        {
            content: "Charge it to the account",
            trigger: "button.o_autosales_on_account_submit",
            run: "click",
        },
        {
            content: "The confirmation says the order was charged to the account",
            trigger: ".o_autosales_on_account_confirmed:contains('Charged to your account')",
            run() {
                const blocks = [...document.querySelectorAll("h4")].filter((h4) =>
                    h4.textContent.includes("Payment Information")
                );
                if (blocks.length !== 1) {
                    throw new Error(`${blocks.length} payment information blocks`);
                }
            },
        },
        {
            trigger: ".o_autosales_confirmation_standing:contains('Every 4 weeks')",
        },
    ],
});

registry.category("web_tour.tours").add("autosales_checkout_no_on_account", {
    url: "/shop",
    steps: () => [
        ...addBulbToCart(),
        ...checkoutToPayment(),
        {
            content: "Online payment is offered but not the account",
            trigger: "body:not(:has(#autosales_on_account_form)) .o_payment_form",
        },
    ],
});

registry.category("web_tour.tours").add("autosales_checkout_guest_sign_in", {
    url: "/shop",
    steps: () => [
        ...addBulbToCart(),
        {
            content: "A guest is told at the cart that repeating needs an account",
            trigger: ".o_autosales_repeat_sign_in:contains('Sign in')",
        },
        {
            content: "Repeat options cannot be chosen yet",
            trigger: ".o_autosales_repeat_form input[name='repeat_option_id']:not([value='']):disabled",
        },
        {
            content: "Sign in from the cart",
            trigger: ".o_autosales_repeat_sign_in a[href^='/web/login']",
            run: "click",
        },
        {
            trigger: "input[name='login']",
            run: "edit autosales_shopper",
        },
        {
            trigger: "input[name='password']",
            run: "edit autosales_shopper",
        },
        {
            trigger: "button[type='submit']:contains('Log in')",
            run: "click",
        },
        {
            content: "Back at the cart, the product is still there",
            trigger: ".o_autosales_repeat_form:not(:has(.o_autosales_repeat_sign_in))",
        },
        {
            content: "Now the order can be repeated",
            trigger: ".o_autosales_repeat_form label:contains('Every 2 months')",
            run: "click",
        },
        {
            trigger: ".o_autosales_repeat_summary:contains('Every 2 months')",
        },
    ],
});
