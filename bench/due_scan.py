"""Cost of finding and claiming the due standing orders, against table size.

Two databases states are measured in the same run:

- 1,000 standing orders, all due;
- the same 1,000 due among 100,000 standing orders (the others are due in
  the future, or paused, finished or cancelled).

The time is that of the claim the scheduled action runs
(``_claim_due``: a search locking the rows, ``FOR UPDATE SKIP LOCKED``), for
all the due ones at once and for a first batch of 100, plus the count of
what remains due, each the median of repeated runs in fresh transactions.
Goal: the ratio of both states is at most 1.5, i.e. the cost grows with what
is due, not with what exists. The query plan of the claim is printed, and the
buffers (pages) the claim of all the due ones touches in each state, a figure
that machine noise does not move (the times above include Odoo reading the
claimed rows, a few ms that vary from run to run by more than the states
differ).

    python3 bench/due_scan.py [--total 100000] [--due 1000]
"""

import argparse
import re
import time
from datetime import timedelta

from _common import (
    create_catalog,
    create_customers,
    create_standing_orders,
    environment,
    figure,
    median,
    note,
    order_plan,
    output,
    setup_config,
    today,
)

from odoo.tools import SQL

REPEAT = 25
BATCH = 100
# Columns copied from a real standing order to make the others.
COPIED = [
    "company_id",
    "partner_id",
    "commercial_partner_id",
    "partner_invoice_id",
    "partner_shipping_id",
    "pricelist_id",
    "currency_id",
    "user_id",
    "team_id",
    "start_date",
    "end_type",
    "max_occurrences",
    "generated_count",
    "payment_mode",
    "auto_confirm",
    "interval_number",
    "interval_type",
    "recurrence_anchor_date",
    "recurrence_anchor_index",
    "occurrence_index",
    "create_uid",
    "write_uid",
    "create_date",
    "write_date",
]


def add_standing_orders(env, model, count, until):
    """Add ``count`` standing orders that are not due on ``until``: most are
    active and due later in the year, the rest paused, finished or cancelled
    (with past dates: only their state keeps them out)."""
    columns = SQL(", ").join(SQL.identifier(column) for column in COPIED)
    env.cr.execute(
        SQL(
            """
            INSERT INTO sale_standing_order (name, state, next_date, %(columns)s)
            SELECT 'BENCH/' || g,
                   CASE WHEN mod(g, 10) = 1 THEN 'paused'
                        WHEN mod(g, 10) = 2 THEN 'done'
                        WHEN mod(g, 10) = 3 THEN 'cancelled'
                        ELSE 'active' END,
                   CASE WHEN mod(g, 10) IN (1, 2, 3) THEN %(until)s::date - mod(g, 300)
                        ELSE %(until)s::date + 1 + mod(g, 365) END,
                   %(columns)s
              FROM sale_standing_order, generate_series(1, %(count)s) AS g
             WHERE sale_standing_order.id = %(model)s
            """,
            columns=columns,
            until=until,
            count=count,
            model=model.id,
        )
    )
    env.cr.commit()
    vacuum(env)


def vacuum(env):
    """Vacuum and analyze the table, as autovacuum does in a live database
    (outside a transaction: VACUUM cannot run in one). Both states are
    measured freshly vacuumed, so that autovacuum running (or not) between
    them does not decide the result."""
    with env.registry.cursor() as cr:
        cr._cnx.autocommit = True
        cr.execute("VACUUM ANALYZE sale_standing_order")


def timed(env, func):
    """Median wall time of ``func`` in ms, each run in its own transaction."""
    times = []
    for _run in range(REPEAT):
        env.invalidate_all()
        start = time.perf_counter()
        result = func()
        times.append((time.perf_counter() - start) * 1000)
        env.cr.rollback()
    return median(times), result


def measure(env, until, due):
    StandingOrder = env["sale.standing.order"]
    all_ms, claimed = timed(env, lambda: StandingOrder._claim_due(until))
    assert len(claimed) == due, (len(claimed), due)
    batch_ms, _claimed = timed(env, lambda: StandingOrder._claim_due(until, BATCH))
    count_ms, remaining = timed(
        env, lambda: StandingOrder.search_count(StandingOrder._get_due_domain(until))
    )
    assert remaining == due
    return all_ms, batch_ms, count_ms


def claim_plan(env, until, limit=BATCH):
    """Query plan of the claim, with the buffers (8 KiB pages) it touched: a
    figure that does not depend on machine noise."""
    StandingOrder = env["sale.standing.order"]
    query = StandingOrder._search(
        StandingOrder._get_due_domain(until), order="next_date, id", limit=limit
    )
    env.cr.execute(
        SQL(
            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY OFF) "
            "%s FOR UPDATE SKIP LOCKED",
            query.select(),
        )
    )
    plan = [row[0] for row in env.cr.fetchall()]
    env.cr.rollback()
    return plan


def plan_buffers(plan):
    """Buffers touched by the whole plan (those of its top node)."""
    for line in plan:
        if "Buffers:" in line:
            return sum(int(count) for count in re.findall(r"=(\d+)", line))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1000)
    args = parser.parse_args()
    setup_config()

    with environment() as env:
        note(f"creating {args.due} due standing orders")
        products = create_catalog(env, count=5)
        customers = create_customers(env, 50)
        until = today(env)
        # Due over the last weeks, as after a few missed runs.
        due = create_standing_orders(
            env,
            order_plan(args.due, products, customers),
            until - timedelta(days=20),
        )
        for offset in range(20):
            chunk = due[offset::20]
            env.cr.execute(
                "UPDATE sale_standing_order SET next_date = %s WHERE id IN %s",
                [until - timedelta(days=offset), tuple(chunk.ids)],
            )
        env.cr.commit()
        vacuum(env)

        note("measuring with every standing order due")
        small = measure(env, until, args.due)
        small_plan = claim_plan(env, until)
        small_buffers = plan_buffers(claim_plan(env, until, limit=None))

        others = args.total - args.due
        note(f"adding {others} standing orders that are not due")
        add_standing_orders(env, due[0], others, until)
        note(f"measuring with {args.due} due among {args.total}")
        large = measure(env, until, args.due)
        large_plan = claim_plan(env, until)
        large_buffers = plan_buffers(claim_plan(env, until, limit=None))

    figure("due_scan_total", args.total)
    figure("due_scan_due", args.due)
    names = ("claim_all", f"claim_batch_{BATCH}", "count_remaining")
    for name, small_ms, large_ms in zip(names, small, large, strict=True):
        figure(f"due_scan_{name}_{args.due}_of_{args.due}_ms", small_ms)
        figure(f"due_scan_{name}_{args.due}_of_{args.total}_ms", large_ms)
        figure(f"due_scan_{name}_ratio", large_ms / small_ms)
    figure("due_scan_ratio", sum(large) / sum(small))
    figure(f"due_scan_claim_all_buffers_{args.due}_of_{args.due}", small_buffers)
    figure(f"due_scan_claim_all_buffers_{args.due}_of_{args.total}", large_buffers)
    figure("due_scan_claim_all_buffers_ratio", large_buffers / max(small_buffers, 1))
    output(f"due_scan_plan_{args.due}_of_{args.due}:")
    for line in small_plan:
        output(f"    {line}")
    output(f"due_scan_plan_{args.due}_of_{args.total}:")
    for line in large_plan:
        output(f"    {line}")


if __name__ == "__main__":
    main()
