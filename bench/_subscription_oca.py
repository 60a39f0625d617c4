"""OCA ``subscription_oca``, the peer of the benchmarks (a helper, not a
benchmark: make bench skips ``bench/_*.py``).

``odoo-addon-subscription-oca`` comes from PyPI (make bench installs it); it
is installed into the benchmark database only, never a dependency of the
add-on.
"""

import subprocess
import sys

from _common import note, oca_addons_path, quiet_context, setup_config

from odoo import sql_db
from odoo.fields import Command
from odoo.tools import config

PERIOD_TYPES = {"week": "weeks", "month": "months"}


def setup_config_with_subscription_oca():
    """:func:`_common.setup_config` with the folder of ``subscription_oca``
    in the addons path; stop when it is not installed (pip)."""
    path = oca_addons_path("subscription_oca")
    if not path:
        sys.exit(
            "subscription_oca is missing: python3 -m pip install --no-deps "
            "'odoo-addon-subscription-oca>=18.0,<18.1'"
        )
    return setup_config(extra_addons=[path])


def install_subscription_oca():
    """Install ``subscription_oca`` into the benchmark database, once."""
    db_name = setup_config_with_subscription_oca()
    with sql_db.db_connect(db_name).cursor() as cr:
        cr.execute("SELECT state FROM ir_module_module WHERE name = 'subscription_oca'")
        row = cr.fetchone()
    if row and row[0] == "installed":
        return
    note("installing subscription_oca into the benchmark database")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            "--addons-path",
            config["addons_path"],
            "--database",
            db_name,
            "--init",
            "subscription_oca",
            "--without-demo",
            "all",
            "--stop-after-init",
            "--no-http",
            "--log-level",
            "warn",
        ],
        check=True,
    )


def create_subscriptions(env, plan, pricelist):
    """In-progress subscriptions of ``plan``, due today, one template per
    interval (``sale_and_invoice``)."""
    env = quiet_context(env)
    templates = {}
    for _customer, _lines, (number, unit) in plan:
        if (number, unit) not in templates:
            templates[number, unit] = env["sale.subscription.template"].create(
                {
                    "name": f"Every {number} {unit}",
                    "recurring_interval": number,
                    "recurring_rule_type": PERIOD_TYPES[unit],
                    "recurring_rule_boundary": "unlimited",
                    "invoicing_mode": "sale_and_invoice",
                }
            )
    subscriptions = env["sale.subscription"].create(
        [
            {
                "partner_id": customer.id,
                "pricelist_id": pricelist.id,
                "template_id": templates[interval].id,
                "sale_subscription_line_ids": [
                    Command.create(
                        {"product_id": product.id, "product_uom_qty": quantity}
                    )
                    for product, quantity in lines
                ],
            }
            for customer, lines, interval in plan
        ]
    )
    # Starting them sets their next date to today.
    subscriptions.write(
        {"stage_id": env.ref("subscription_oca.subscription_stage_in_progress").id}
    )
    env.cr.commit()
    return subscriptions


def subscription_pricelist(env, customers):
    """The pricelist of the subscriptions, set on their customers too."""
    pricelist = env["product.pricelist"].create({"name": "Bench Pricelist"})
    customers.property_product_pricelist = pricelist
    return pricelist
