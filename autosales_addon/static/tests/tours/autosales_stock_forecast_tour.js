import { registry } from "@web/core/registry";

// Data created by TestStockForecastTour in tests/test_stock_forecast.py.
registry.category("web_tour.tours").add("autosales_stock_forecast_tour", {
    steps: () => [
        {
            content: "Open the product's forecasted report",
            trigger: "button[name=action_product_tmpl_forecast_report]",
            run: "click",
        },
        {
            content: "The standing orders' quantities are planned, not reserved",
            trigger: "tr[name=autosales_planned]:contains(Planned by Standing Orders):contains(Not reserved)",
        },
        {
            content: "The third order is short of stock, shown as demand (Used by)",
            trigger:
                "tr[name=autosales_planned_line]:eq(2):has(td.table-danger:contains(Short of stock)):has(td.table-danger:contains(Standing orders))",
        },
        {
            content: "The first two are not",
            trigger: "tr[name=autosales_planned_line]:eq(1):not(:has(td.table-danger))",
        },
        {
            content: "Their day is in the Delivery column",
            trigger: "tr[name=autosales_planned_line]:eq(0) td:last-child:not(:empty)",
        },
    ],
});
