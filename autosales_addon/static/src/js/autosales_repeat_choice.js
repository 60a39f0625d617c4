import publicWidget from "@web/legacy/js/public/public_widget";

/**
 * The repeat choice of the cart is saved as soon as it is made: no button
 * to forget before going to checkout. (Without JavaScript, the form keeps
 * its Apply button.)
 */
publicWidget.registry.AutosalesRepeatChoice = publicWidget.Widget.extend({
    selector: ".o_autosales_repeat_form",
    events: {
        "change input[name='repeat_option_id']": "_onRepeatChange",
    },

    start() {
        this.el.querySelector(".o_autosales_repeat_apply")?.classList.add("d-none");
        return this._super(...arguments);
    },

    _onRepeatChange() {
        this.el.querySelectorAll("input[name='repeat_option_id']").forEach((input) => {
            input.closest(".form-check").classList.add("opacity-50");
        });
        this.el.submit();
    },
});
