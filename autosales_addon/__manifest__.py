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
    "external_dependencies": {"python": ["python-dateutil"]},
    "data": [
        "security/autosales_security.xml",
        "security/ir.model.access.csv",
        "data/ir_sequence_data.xml",
        "data/mail_activity_type_data.xml",
        "data/mail_template_data.xml",
        "data/ir_cron_data.xml",
        "views/sale_standing_order_views.xml",
        "views/sale_order_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "views/portal_templates.xml",
    ],
    "demo": [
        "demo/autosales_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "autosales_addon/static/tests/tours/**/*",
        ],
    },
}
