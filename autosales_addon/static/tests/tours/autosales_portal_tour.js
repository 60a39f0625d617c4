import { registry } from "@web/core/registry";

/**
 * Steps that open the dialog of a change with ``opener``, fill it with
 * ``fillSteps`` and confirm it with its ``confirm`` button.
 */
function changeInDialog(content, opener, fillSteps, confirm) {
    return [
        {
            content,
            trigger: opener,
            run: "click",
        },
        ...fillSteps,
        {
            trigger: `.modal.show ${confirm}`,
            run: "click",
        },
    ];
}

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
        ...changeInDialog(
            "Pause it",
            "button.o_standing_order_pause",
            [{ trigger: ".modal.show:contains('not made up for')" }],
            ".o_standing_order_pause_confirm"
        ),
        {
            content: "The page confirms the pause",
            trigger: ".o_standing_order_flash:contains('paused')",
        },
        {
            trigger: ".o_standing_order_state:contains('Paused')",
        },
        {
            content: "While paused, no next order is shown, nor offered to skip",
            trigger: ".o_standing_order_next_date:contains('None while paused')",
        },
        {
            trigger: ".o_standing_order_actions:not(:has(button.o_standing_order_skip))",
        },
        ...changeInDialog(
            "Resume it",
            "button.o_standing_order_resume",
            [],
            ".o_standing_order_resume_confirm"
        ),
        {
            content: "The page confirms it runs again",
            trigger: ".o_standing_order_flash:contains('runs again')",
        },
        ...changeInDialog(
            "Skip the next order",
            "button.o_standing_order_skip",
            [{ trigger: ".modal.show .o_standing_order_skipped_date:contains('01/01/2099')" }],
            ".o_standing_order_skip_confirm"
        ),
        {
            content: "The page confirms the skip",
            trigger: ".o_standing_order_flash:contains('skipped')",
        },
        {
            trigger: ".o_standing_order_next_date:contains('03/01/2099')",
        },
        ...changeInDialog(
            "Change the quantity to 1,500",
            "button.o_standing_order_change_quantity",
            [
                {
                    trigger: ".modal.show .o_standing_order_quantity_form input[name='quantity']",
                    run: "edit 1500",
                },
            ],
            ".o_standing_order_quantity_confirm"
        ),
        {
            content: "The page confirms the new quantity, in the user's format",
            trigger: ".o_standing_order_flash:contains('quantity was updated')",
        },
        {
            trigger: ".o_standing_order_quantity:contains('1,500')",
        },
        ...changeInDialog(
            "A zero quantity is refused with a message",
            "button.o_standing_order_change_quantity",
            [
                {
                    trigger: ".modal.show .o_standing_order_quantity_form input[name='quantity']",
                    run: "edit 0",
                },
            ],
            ".o_standing_order_quantity_confirm"
        ),
        {
            trigger: ".o_standing_order_flash.alert-danger:contains('greater than zero')",
        },
        ...changeInDialog(
            "Repeat it every 3 weeks",
            "button[data-bs-target='#o_standing_order_interval_dialog']",
            [
                {
                    trigger: ".modal.show input[name='interval_number']",
                    run: "edit 3",
                },
                {
                    trigger: ".modal.show select[name='interval_type']",
                    run: "select week",
                },
            ],
            ".o_standing_order_interval_confirm"
        ),
        {
            content: "The page shows the new interval",
            trigger: ".o_standing_order_interval:contains('Every 3 weeks')",
        },
        ...changeInDialog(
            "Cancel it, with a reason",
            "button.o_standing_order_cancel",
            [
                {
                    trigger: ".modal.show .o_standing_order_cancel_form select[name='reason_id']",
                    run: "selectByLabel Switched supplier",
                },
                {
                    trigger: ".modal.show .o_standing_order_cancel_form textarea[name='reason']",
                    run: "edit Moving to LED panels",
                },
            ],
            ".o_standing_order_cancel_confirm"
        ),
        {
            content: "The standing order is cancelled",
            trigger: ".o_standing_order_flash:contains('cancelled')",
        },
        {
            trigger: ".o_standing_order_state:contains('Cancelled')",
        },
        {
            content: "Nothing is left to change",
            trigger: ".o_portal_standing_order:not(:has(.o_standing_order_change))",
        },
    ],
});

registry.category("web_tour.tours").add("autosales_portal_change_dialogs", {
    steps: () => [
        {
            content: "Leaving a dialog with Back changes nothing",
            trigger: "button[data-bs-target='#o_standing_order_next_date_dialog']",
            run: "click",
        },
        {
            content: "The dialog, once open, puts the cursor in its field",
            trigger: ".modal.show input[name='next_date']:focus",
            run() {
                this.anchor.value = "2099-01-20";
            },
        },
        {
            trigger: ".modal.show button[data-bs-dismiss='modal']:contains('Back')",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal.show))",
        },
        {
            trigger: ".o_standing_order_next_date:contains('01/01/2099')",
        },
        ...changeInDialog(
            "Move the next order",
            "button[data-bs-target='#o_standing_order_next_date_dialog']",
            [
                {
                    trigger: ".modal.show input[name='next_date']",
                    run() {
                        this.anchor.value = "2099-02-15";
                    },
                },
            ],
            ".o_standing_order_next_date_confirm"
        ),
        {
            content: "The page shows the new date in the user's format",
            trigger: ".o_standing_order_flash:contains('02/15/2099')",
        },
        {
            trigger: ".o_standing_order_upcoming li:first:contains('02/15/2099')",
        },
        ...changeInDialog(
            "Deliver to the depot",
            "button[data-bs-target='#o_standing_order_address_dialog']",
            [
                {
                    trigger: ".modal.show label:contains('Brightlight Depot')",
                    run: "click",
                },
            ],
            ".o_standing_order_address_confirm"
        ),
        {
            trigger: ".o_standing_order_address:contains('Brightlight Depot')",
        },
        {
            content: "The payment method dialog leads to the form for a new one",
            trigger: "button[data-bs-target='#o_standing_order_payment_dialog']",
            run: "click",
        },
        {
            trigger: ".modal.show input[name='token_id']:checked:focus",
        },
        {
            trigger: ".modal.show .o_standing_order_new_card_link",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal.show)) details.o_standing_order_new_card[open]",
        },
        ...changeInDialog(
            "Pay with the other saved card",
            "button[data-bs-target='#o_standing_order_payment_dialog']",
            [
                {
                    trigger: ".modal.show label:contains('•••• 1111')",
                    run: "click",
                },
            ],
            ".o_standing_order_token_confirm"
        ),
        {
            content: "The card is shown masked",
            trigger: ".o_standing_order_payment_method:contains('•••• 1111')",
        },
        ...changeInDialog(
            "Place the next order now",
            "button.o_standing_order_order_now",
            [],
            ".o_standing_order_order_now_confirm"
        ),
        {
            content: "The order is placed and listed",
            trigger: ".o_standing_order_flash:contains('was placed')",
        },
        {
            trigger: ".o_standing_order_past_orders tbody tr:contains('02/15/2099')",
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
