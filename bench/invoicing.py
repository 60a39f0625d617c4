"""Invoicing of generated orders against the bare-ORM limit.

N standing orders (1 to 5 lines, mixed intervals, all due today) are
generated twice, as two identical sets of confirmed orders with their
deliveries, not invoiced (standing orders invoiced manually). Then, in
batches of 100 each committed on its own, as a scheduled action does:

- the bare ORM invoices the first set: ``_create_invoices(grouped=True)``
  then ``action_post`` (one invoice per order);
- the add-on invoices the second set by its own path,
  ``sale.order._autosales_invoice()``, the one the generation takes for
  standing orders invoiced when confirmed (``on_order``): the same Odoo
  invoicing plus the guard against invoicing an order twice (a unique
  sequence number per order on the invoice) and the invoice handed to
  Odoo's background sending. The orders of that set are switched to
  ``on_order`` beforehand.

The two paths alternate batch by batch, so that a change in the load of the
machine weighs on both alike.

Figures: orders/s of both paths and their ratio
``invoicing/bare_orm_invoicing`` (goal >= 0.9), SQL queries per order of
both.

    python3 bench/invoicing.py [--orders 1000]
"""

import argparse

from _common import (
    Measure,
    Total,
    create_scenario,
    create_standing_orders,
    environment,
    figure,
    note,
    render_emails_without_pdf,
    set_async_emails,
    setup_config,
)

INVOICE_BATCH = 100
WARMUP = 20


def generated_orders(env, plan, start, invoicing_mode="manual"):
    """Orders generated (and committed) for standing orders of ``plan``."""
    standing = create_standing_orders(env, plan, start, invoicing_mode=invoicing_mode)
    env["sale.standing.order"]._cron_generate_orders()
    orders = env["sale.order"].search(
        [("standing_order_id", "in", standing.ids)], order="id"
    )
    assert len(orders) == len(plan) and set(orders.mapped("state")) == {"sale"}
    assert not orders.invoice_ids
    return orders


def bare_orm_invoice(env, orders):
    orders._create_invoices(grouped=True).action_post()
    env.cr.commit()
    env.invalidate_all()


def autosales_invoice(env, orders):
    orders._autosales_invoice()
    env.cr.commit()
    env.invalidate_all()


def on_order(env, orders):
    """Switch ``orders`` to the add-on's invoicing when confirmed."""
    orders.autosales_invoicing_mode = "on_order"
    env.cr.commit()
    env.invalidate_all()


def check_output(orders, addon):
    """One posted invoice per order, of its whole amount; the add-on's ones
    carry its guard and are waiting for Odoo's background sending."""
    invoices = orders.invoice_ids
    assert len(invoices) == len(orders), (len(invoices), len(orders))
    assert set(invoices.mapped("state")) == {"posted"}
    assert all(len(order.invoice_ids) == 1 for order in orders)
    assert set(orders.mapped("invoice_status")) == {"invoiced"}
    for order in orders:
        assert not order.currency_id.compare_amounts(
            order.invoice_ids.amount_total, order.amount_total
        ), order.name
    if addon:
        assert invoices.autosales_order_id == orders
        assert set(invoices.mapped("autosales_invoice_seq")) == {1}
        assert all(invoices.mapped("sending_data"))
    else:
        assert not invoices.autosales_order_id


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1000)
    args = parser.parse_args()
    setup_config()
    n = args.orders

    with environment() as env:
        note(f"creating and generating 2 x {n} orders")
        render_emails_without_pdf(env)
        set_async_emails(env, True)
        _customers, plan, start = create_scenario(env, WARMUP + n)
        warm_bare = generated_orders(env, plan[:WARMUP], start)
        warm_ours = generated_orders(env, plan[:WARMUP], start)
        bare_orders = generated_orders(env, plan[WARMUP:], start)
        our_orders = generated_orders(env, plan[WARMUP:], start)
        on_order(env, warm_ours | our_orders)

        note("warm-up")
        bare_orm_invoice(env, warm_bare)
        autosales_invoice(env, warm_ours)

        note(f"invoicing 2 x {n} orders in batches of {INVOICE_BATCH}")
        bare, ours = Total(), Total()
        for index, offset in enumerate(range(0, n, INVOICE_BATCH)):
            runs = [
                (bare, bare_orm_invoice, bare_orders),
                (ours, autosales_invoice, our_orders),
            ]
            for total, invoice, orders in runs[:: 1 if index % 2 else -1]:
                with Measure() as measure:
                    invoice(env, orders[offset : offset + INVOICE_BATCH])
                total.add(measure)
        check_output(bare_orders, addon=False)
        check_output(our_orders, addon=True)

    figure("invoicing_orders", n)
    figure("invoicing_orders_per_s", n / ours.seconds)
    figure("bare_orm_invoicing_orders_per_s", n / bare.seconds)
    figure("invoicing/bare_orm_invoicing", bare.seconds / ours.seconds)
    figure("invoicing_queries_per_order", ours.queries / n)
    figure("bare_orm_invoicing_queries_per_order", bare.queries / n)
    figure("invoicing_queries/bare_orm_invoicing_queries", ours.queries / bare.queries)


if __name__ == "__main__":
    main()
