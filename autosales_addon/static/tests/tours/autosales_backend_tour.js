import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("autosales_backend_standing_order", {
    url: "/odoo/action-autosales_addon.action_sale_standing_order",
    steps: () => [
        {
            content: "Create a standing order",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Choose the customer",
            trigger: ".o_field_widget[name=partner_id] input",
            run: "edit Brightlight",
        },
        {
            trigger: "ul.ui-autocomplete > li > a:contains('Brightlight Retail')",
            run: "click",
        },
        {
            content: "Repeat every 2 months",
            trigger: ".o_field_widget[name=interval_number] input",
            run: "edit 2",
        },
        {
            content: "Add the light bulbs",
            trigger: "div[name=line_ids] a:contains('Add a product')",
            run: "click",
        },
        {
            trigger: "div[name=line_ids] .o_data_row .o_field_widget[name=product_id] input",
            run: "edit LED Light Bulb",
        },
        {
            trigger: "ul.ui-autocomplete a:contains('LED Light Bulb E27')",
            run: "click",
        },
        {
            trigger: "div[name=line_ids] .o_data_row .o_field_widget[name=product_uom_qty] input",
            run: "edit 1000",
        },
        ...stepUtils.saveForm(),
        {
            content: "Activate it",
            trigger: "button[name=action_activate]",
            run: "click",
        },
        {
            content: "It runs",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Active')",
        },
        {
            trigger: "button[name=action_pause]",
        },
        {
            content: "See the orders it will make",
            trigger: "button[name=action_view_forecast]",
            run: "click",
        },
        {
            content: "The first order of the light bulbs is planned",
            trigger: ".o_list_view .o_data_row:first td[name=product_id]:contains('LED Light Bulb E27')",
        },
        {
            trigger: ".o_list_view .o_data_row:first td[name=product_qty]:contains('1,000')",
        },
        {
            content: "Per product and month",
            trigger: ".o_switch_view.o_pivot",
            run: "click",
        },
        {
            trigger: ".o_pivot th:contains('LED Light Bulb E27')",
        },
        {
            content: "Every planned order in the calendar",
            trigger: ".o_switch_view.o_calendar",
            run: "click",
        },
        {
            trigger: ".o_calendar_renderer .fc-event",
        },
    ],
});

// From the menu, Needs Attention shows at its own address; opened there (a
// reload, a bookmark), it is still within Sales.
registry.category("web_tour.tours").add("autosales_attention_address", {
    steps: () => [
        {
            trigger: ".o_main_navbar button:contains(Customers)",
            run: "click",
        },
        {
            trigger: ".dropdown-item:contains(Needs Attention)",
            run: "click",
        },
        {
            content: "Its address is its own",
            trigger: ".o_breadcrumb:contains(Needs Attention)",
            run() {
                if (!window.location.pathname.endsWith("/needs-attention")) {
                    throw new Error(`Needs Attention shows at ${window.location.pathname}`);
                }
                window.location.reload();
            },
        },
        {
            content: "Needs Attention opens within the Sales app",
            trigger: ".o_menu_brand:contains(Sales)",
        },
        {
            trigger: ".o_breadcrumb:contains(Needs Attention)",
        },
        {
            trigger: ".o_list_view",
        },
    ],
});
