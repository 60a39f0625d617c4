import { registry } from "@web/core/registry";

// The customer reviews the order prepared ahead from the link of its email:
// changes a quantity and gives a purchase order number for this order only,
// saves, then confirms it.
registry.category("web_tour.tours").add("autosales_portal_prepared_order", {
    steps: () => [
        {
            content: "The prepared order is shown with its total",
            trigger: "#prepared .o_standing_order_prepared_total:contains('2,875.00')",
        },
        {
            content: "Its amount before taxes is shown apart",
            trigger: "#prepared .o_standing_order_prepared_untaxed:contains('2,500.00')",
        },
        {
            content: "The next order summary gives the prepared amount",
            trigger: ".o_standing_order_next_amount:contains('2,500.00')",
        },
        {
            content: "The upcoming orders point to it",
            trigger: ".o_standing_order_upcoming .o_standing_order_prepared_badge",
        },
        {
            content: "Order 1,200 bulbs this time",
            trigger: "#prepared input.o_standing_order_prepared_qty",
            run: "edit 1200",
        },
        {
            content: "Give the purchase order number of this order",
            trigger: "#prepared input[name='reference']",
            run: "edit PO-4711",
        },
        {
            content: "Save",
            trigger: "#prepared button.o_standing_order_prepared_save",
            run: "click",
        },
        {
            content: "The page confirms the change",
            trigger: ".o_standing_order_flash:contains('was updated')",
        },
        {
            content: "The total follows the new quantity at the held price",
            trigger: "#prepared .o_standing_order_prepared_total:contains('3,450.00')",
        },
        {
            content: "So does the next order summary",
            trigger: ".o_standing_order_next_amount:contains('3,000.00')",
        },
        {
            content: "The standing order itself still orders 1,000",
            trigger: ".o_standing_order_line .o_standing_order_quantity:contains('1,000')",
        },
        {
            content: "Confirm the order",
            trigger: "#prepared button.o_standing_order_prepared_confirm",
            run: "click",
        },
        {
            trigger: ".modal.show .o_standing_order_prepared_confirm_submit",
            run: "click",
        },
        {
            content: "The page confirms the order",
            trigger: ".o_standing_order_flash:contains('is confirmed')",
        },
        {
            content: "Nothing waits for a review any more",
            trigger: "body:not(:has(#prepared))",
        },
    ],
});
