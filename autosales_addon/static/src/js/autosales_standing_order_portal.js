import publicWidget from "@web/legacy/js/public/public_widget";

/**
 * The page of a standing order in the customer portal: each change is asked
 * in a dialog. The dialog puts the cursor in its first field, and the link
 * to add a new payment method closes the dialog and opens the payment form
 * below the orders.
 */
publicWidget.registry.AutosalesStandingOrderPortal = publicWidget.Widget.extend({
    selector: ".o_portal_standing_order",
    events: {
        "shown.bs.modal .o_standing_order_dialog": "_onDialogShown",
        "click .o_standing_order_new_card_link": "_onNewCardClick",
    },

    _onDialogShown(ev) {
        const body = ev.currentTarget.querySelector(".modal-body");
        const field =
            body.querySelector("input[type='radio']:checked") ||
            body.querySelector(":is(input, select, textarea):not([type='hidden'])");
        field?.focus();
    },

    _onNewCardClick(ev) {
        ev.preventDefault();
        Modal.getOrCreateInstance(ev.currentTarget.closest(".modal")).hide();
        const newCard = this.el.querySelector(".o_standing_order_new_card");
        newCard.open = true;
        newCard.scrollIntoView({ behavior: "smooth" });
    },
});
