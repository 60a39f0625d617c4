import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("autosales_portal_tour", {
    url: "/my",
    steps: () => [
        {
            content: "Open the standing orders from the portal home",
            trigger: "a[href='/my/standing-orders']",
            run: "click",
        },
        {
            content: "Open the light bulbs standing order",
            trigger: "tr.o_standing_order_row a:contains('SO-STD/')",
            run: "click",
        },
        {
            content: "Pause it",
            trigger: "button.o_standing_order_pause",
            run: "click",
        },
        {
            content: "The page confirms the pause",
            trigger: ".o_standing_order_flash:contains('paused')",
        },
        {
            content: "Resume it",
            trigger: "button.o_standing_order_resume",
            run: "click",
        },
        {
            content: "The page confirms it runs again",
            trigger: ".o_standing_order_flash:contains('runs again')",
        },
        {
            content: "Skip the next order",
            trigger: "button.o_standing_order_skip",
            run: "click",
        },
        {
            content: "The page confirms the skip",
            trigger: ".o_standing_order_flash:contains('skipped')",
        },
        {
            content: "Change the quantity to 1,500",
            trigger: ".o_standing_order_quantity_form input[name='quantity']",
            run: "edit 1500",
        },
        {
            trigger: ".o_standing_order_quantity_form button[type='submit']",
            run: "click",
        },
        {
            content: "The page confirms the new quantity",
            trigger: ".o_standing_order_flash:contains('quantity was updated')",
        },
        {
            content: "A zero quantity is refused with a message",
            trigger: ".o_standing_order_quantity_form input[name='quantity']",
            run: "edit 0",
        },
        {
            trigger: ".o_standing_order_quantity_form button[type='submit']",
            run: "click",
        },
        {
            trigger: ".o_standing_order_flash.alert-danger:contains('greater than zero')",
        },
        {
            content: "Open the cancellation form",
            trigger: ".o_standing_order_cancel_form summary",
            run: "click",
        },
        {
            trigger: ".o_standing_order_cancel_form textarea[name='reason']",
            run: "edit Moving to LED panels",
        },
        {
            trigger: "button.o_standing_order_cancel",
            run: "click",
        },
        {
            content: "The standing order is cancelled",
            trigger: ".o_standing_order_flash:contains('cancelled')",
        },
        {
            trigger: ".o_standing_order_state:contains('Cancelled')",
        },
    ],
});

registry.category("web_tour.tours").add("autosales_portal_new_card", {
    steps: () => [
        {
            content: "The page says which order waits for a payment",
            trigger: ".o_standing_order_payment .alert-warning:contains('waits for a payment')",
        },
        {
            content: "Pay it with a new card",
            trigger: ".o_standing_order_new_card summary",
            run: "click",
        },
        {
            trigger:
                ".o_standing_order_new_card input[name='o_payment_radio'][data-payment-method-code='demo']",
            run: "click",
        },
        {
            trigger: ".o_standing_order_new_card input[name='customer_input']",
            run: "edit 4111111111111111",
        },
        {
            trigger: ".o_standing_order_new_card button[name='o_payment_submit_button']",
            run: "click",
        },
        {
            content: "Back on the standing order, which runs again",
            trigger: ".o_portal_standing_order .o_standing_order_state:contains('Active')",
            timeout: 20000,
        },
        {
            content: "No order waits for a payment any more",
            trigger: ".o_standing_order_payment:not(:has(.alert-warning))",
        },
    ],
});
