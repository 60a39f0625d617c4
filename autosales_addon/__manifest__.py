{
    "name": "AutoSales: Standing Orders and Sales Automation",
    "summary": "Standing orders repeated at a fixed interval, generated exactly once, "
    "paid by saved payment method or charged on account",
    "version": "18.0.1.0.0",
    "category": "Sales/Sales",
    "website": "https://github.com/autosales/autosales_addon",
    "author": "AutoSales",
    "maintainers": ["autosales"],
    "license": "LGPL-3",
    "development_status": "Beta",
    "application": True,
    "installable": True,
    "depends": [
        "sale_management",
        "sale_stock",
        "website_sale",
        "crm",
        "payment",
    ],
    "external_dependencies": {"python": ["dateutil"]},
    "data": [],
    "demo": [],
    "assets": {
        "web.assets_tests": [
            "autosales_addon/static/tests/tours/**/*",
        ],
    },
}
