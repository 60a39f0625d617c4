"""Throughput against the closest open-source peer, OCA ``subscription_oca``.

The same N occurrences (1 to 5 lines, mixed intervals, all due today) give,
on each side, one confirmed sale order with its delivery and one posted
invoice:

- ``subscription_oca`` in its ``sale_and_invoice`` mode, through its own
  scheduled action (``cron_subscription_management``);
- AutoSales: its scheduled action (``_cron_generate_orders``), then the
  generated orders invoiced in batches of 100 (one invoice per order), timed
  together.

Goal: the ratio ``autosales/subscription_oca`` is at least 2.

``subscription_oca`` (``odoo-addon-subscription-oca`` on PyPI, which make
bench installs) is installed into the benchmark database by this script: it
is never a dependency of the add-on. Both sides run with Odoo's asynchronous
order emails (``sale.async_emails``), as in ``generation.py``.

    python3 bench/peer_subscription_oca.py [--orders 1000]
"""

import argparse
import subprocess
import sys

from _common import (
    Measure,
    create_catalog,
    create_customers,
    create_standing_orders,
    environment,
    figure,
    note,
    oca_addons_path,
    order_plan,
    quiet_context,
    render_emails_without_pdf,
    set_async_emails,
    set_state,
    setup_config,
    today,
)

from odoo import sql_db
from odoo.fields import Command
from odoo.tools import config

INVOICE_BATCH = 100
WARMUP = 20
PERIOD_TYPES = {"week": "weeks", "month": "months"}


def install_subscription_oca():
    path = oca_addons_path("subscription_oca")
    if not path:
        sys.exit(
            "subscription_oca is missing: python3 -m pip install --no-deps "
            "'odoo-addon-subscription-oca>=18.0,<18.1'"
        )
    db_name = setup_config(extra_addons=[path])
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


def run_subscription_oca(env):
    env.invalidate_all()
    env["sale.subscription"].cron_subscription_management()
    env.cr.commit()


def run_autosales(env, standing):
    """Generation, then invoicing of the generated orders in batches; return
    the time of each part."""
    env.invalidate_all()
    with Measure() as generation:
        env["sale.standing.order"]._cron_generate_orders()
    with Measure() as invoicing:
        orders = env["sale.order"].search(
            [("standing_order_id", "in", standing.ids)], order="id"
        )
        for offset in range(0, len(orders), INVOICE_BATCH):
            batch = orders[offset : offset + INVOICE_BATCH]
            batch._create_invoices(grouped=True).action_post()
            env.cr.commit()
            env.invalidate_all()
    return generation, invoicing


def check_output(env, orders, n):
    """One confirmed order with its delivery and one posted invoice each."""
    assert len(orders) == n, (len(orders), n)
    assert set(orders.mapped("state")) == {"sale"}
    assert all(len(order.picking_ids) == 1 for order in orders)
    invoices = orders.invoice_ids
    assert len(invoices) == n and set(invoices.mapped("state")) == {"posted"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1000)
    args = parser.parse_args()
    n = args.orders
    install_subscription_oca()

    with environment() as env:
        note(f"creating the data of {n} occurrences")
        render_emails_without_pdf(env)
        set_async_emails(env, True)
        products = create_catalog(env)
        customers = create_customers(env, max(n // 5, 1))
        pricelist = env["product.pricelist"].create({"name": "Bench Pricelist"})
        customers.property_product_pricelist = pricelist
        plan = order_plan(WARMUP + n, products, customers)
        start = today(env)

        note("warm-up")
        create_subscriptions(env, plan[:WARMUP], pricelist)
        run_subscription_oca(env)
        run_autosales(env, create_standing_orders(env, plan[:WARMUP], start))

        subscriptions = create_subscriptions(env, plan[WARMUP:], pricelist)
        standing = create_standing_orders(env, plan[WARMUP:], start, state="paused")

        note(f"subscription_oca: {n} subscriptions")
        with Measure() as peer:
            run_subscription_oca(env)
        check_output(
            env,
            env["sale.order"].search(
                [("order_subscription_id", "in", subscriptions.ids)]
            ),
            n,
        )

        note(f"AutoSales: {n} standing orders")
        set_state(env, standing, "active")
        with Measure() as ours:
            generation, invoicing = run_autosales(env, standing)
        check_output(
            env,
            env["sale.order"].search([("standing_order_id", "in", standing.ids)]),
            n,
        )

    figure("peer_orders", n)
    figure("autosales_orders_per_s", n / ours.seconds)
    figure("subscription_oca_orders_per_s", n / peer.seconds)
    figure("autosales/subscription_oca", peer.seconds / ours.seconds)
    figure("autosales_generation_orders_per_s", n / generation.seconds)
    figure("autosales_invoicing_orders_per_s", n / invoicing.seconds)
    figure("autosales_queries_per_order", ours.queries / n)
    figure("subscription_oca_queries_per_order", peer.queries / n)


if __name__ == "__main__":
    main()
