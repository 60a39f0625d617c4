"""Throughput against the closest open-source peer, OCA ``subscription_oca``.

The same N occurrences (1 to 5 lines, mixed intervals, all due today) give,
on each side, one confirmed sale order with its delivery and one posted
invoice:

- ``subscription_oca`` in its ``sale_and_invoice`` mode, through its own
  scheduled action (``cron_subscription_management``);
- AutoSales with standing orders invoiced when confirmed (``on_order``):
  its scheduled action (``_cron_generate_orders``) alone, which invoices
  each batch of orders right after confirming it (that part is also timed
  apart).

The occurrences are run in two halves, in the order ``subscription_oca``,
AutoSales, AutoSales, ``subscription_oca``, so that a drift in the load of
the machine weighs on both sides alike.

Goal: the ratio ``autosales/subscription_oca`` is at least 2.

``subscription_oca`` (``odoo-addon-subscription-oca`` on PyPI, which make
bench installs) is installed into the benchmark database by this script: it
is never a dependency of the add-on. Both sides run with Odoo's asynchronous
order emails (``sale.async_emails``), as in ``generation.py``.

    python3 bench/peer_subscription_oca.py [--orders 1000]
"""

import argparse

from _common import (
    Measure,
    MethodTimes,
    Total,
    create_scenario,
    create_standing_orders,
    environment,
    figure,
    note,
    render_emails_without_pdf,
    set_async_emails,
    set_state,
)
from _subscription_oca import (
    create_subscriptions,
    install_subscription_oca,
    subscription_pricelist,
)

WARMUP = 20
# The invoicing part of AutoSales' scheduled action, timed apart.
INVOICING = ("sale.standing.order", "_invoice_generated_orders")


def hold_subscriptions(env, subscriptions, held=True):
    """Put the next occurrence of ``subscriptions`` ten years off (or back),
    so that ``subscription_oca``'s scheduled action leaves them alone."""
    env.cr.execute(
        "UPDATE sale_subscription SET recurring_next_date = recurring_next_date "
        "+ %s * interval '10 years' WHERE id IN %s",
        [1 if held else -1, tuple(subscriptions.ids)],
    )
    env.cr.commit()
    env.invalidate_all()


def run_subscription_oca(env, subscriptions):
    """Its scheduled action, on ``subscriptions`` alone; return the measure."""
    env.invalidate_all()
    with Measure() as measure:
        env["sale.subscription"].cron_subscription_management()
        env.cr.commit()
    check_output(
        env,
        env["sale.order"].search([("order_subscription_id", "in", subscriptions.ids)]),
        len(subscriptions),
    )
    return measure


def run_autosales(env, standing):
    """The scheduled action, on ``standing`` alone; return the measure."""
    set_state(env, standing, "active")
    env.invalidate_all()
    with Measure() as measure:
        env["sale.standing.order"]._cron_generate_orders()
    check_output(
        env,
        env["sale.order"].search([("standing_order_id", "in", standing.ids)]),
        len(standing),
    )
    return measure


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
        customers, plan, start = create_scenario(env, WARMUP + n)
        pricelist = subscription_pricelist(env, customers)

        note("warm-up")
        run_subscription_oca(env, create_subscriptions(env, plan[:WARMUP], pricelist))
        run_autosales(
            env,
            create_standing_orders(
                env, plan[:WARMUP], start, state="paused", invoicing_mode="on_order"
            ),
        )

        halves = [plan[WARMUP : WARMUP + n // 2], plan[WARMUP + n // 2 :]]
        subscriptions = [create_subscriptions(env, half, pricelist) for half in halves]
        hold_subscriptions(env, subscriptions[1])
        standing = [
            create_standing_orders(
                env, half, start, state="paused", invoicing_mode="on_order"
            )
            for half in halves
        ]

        peer, ours = Total(), Total()
        with MethodTimes(env, [INVOICING]) as parts:
            note(f"subscription_oca: {len(halves[0])} subscriptions")
            peer.add(run_subscription_oca(env, subscriptions[0]))
            for half in standing:
                note(f"AutoSales: {len(half)} standing orders")
                ours.add(run_autosales(env, half))
            note(f"subscription_oca: {len(halves[1])} subscriptions")
            hold_subscriptions(env, subscriptions[1], held=False)
            peer.add(run_subscription_oca(env, subscriptions[1]))

    figure("peer_orders", n)
    figure("autosales_orders_per_s", n / ours.seconds)
    figure("subscription_oca_orders_per_s", n / peer.seconds)
    figure("autosales/subscription_oca", peer.seconds / ours.seconds)
    invoicing = parts.seconds[INVOICING]
    figure("autosales_generation_orders_per_s", n / (ours.seconds - invoicing))
    figure("autosales_invoicing_orders_per_s", n / invoicing)
    figure("autosales_queries_per_order", ours.queries / n)
    figure("subscription_oca_queries_per_order", peer.queries / n)


if __name__ == "__main__":
    main()
