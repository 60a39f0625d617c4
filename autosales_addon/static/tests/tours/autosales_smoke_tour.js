import { registry } from "@web/core/registry";

// Created by TestSmokeTour in tests/test_smoke_tour.py.
const PRODUCT_NAME = "AutoSales Smoke Test Bulb";

registry.category("web_tour.tours").add("autosales_smoke_tour", {
    url: "/shop",
    steps: () => [
        {
            content: "The product published by the test is listed in the shop",
            trigger: `.oe_product_cart a:contains(${PRODUCT_NAME})`,
            run: "click",
        },
        {
            content: "Its product page opens",
            trigger: `#product_detail h1:contains(${PRODUCT_NAME})`,
        },
    ],
});
