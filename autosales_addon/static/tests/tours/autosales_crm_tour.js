import { registry } from "@web/core/registry";

// Data created by TestCrmTour in tests/test_crm_tour.py.
registry.category("web_tour.tours").add("autosales_crm_tour", {
    steps: () => [
        {
            content: "The customer due for a visit is listed first",
            trigger: ".o_data_row:first .o_data_cell:contains(Lumen Wholesale)",
            run: "click",
        },
        {
            content: "Open the key contacts of the customer",
            trigger: ".o_notebook_headers a:contains(Key Contacts)",
            run: "click",
        },
        {
            content: "The buyer is a key contact",
            trigger:
                ".o_field_widget[name=autosales_contact_ids] .o_data_row:contains(Lena Lumen):contains(Buyer)",
        },
        {
            content: "Open the interactions of the customer",
            trigger: ".o_notebook_headers a:contains(Interactions)",
            run: "click",
        },
        {
            content: "The last visit is in the timeline",
            trigger:
                ".o_field_widget[name=autosales_interaction_ids] .o_data_row:contains(Showroom visit)",
        },
        {
            content: "Log a new interaction",
            trigger: "button[name=action_log_interaction]",
            run: "click",
        },
        {
            content: "Describe it",
            trigger: ".modal .o_field_widget[name=summary] input",
            run: "edit Called about the spring order",
        },
        {
            content: "Log it",
            trigger: ".modal button[name=action_log]",
            run: "click",
        },
        {
            content: "The call is in the timeline",
            trigger:
                ".o_field_widget[name=autosales_interaction_ids] .o_data_row:contains(Called about the spring order)",
        },
    ],
});
