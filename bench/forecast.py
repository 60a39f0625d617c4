"""Cost of the standing order forecast and of the stock check, against the
number of standing orders.

Two sizes are measured in the same run, 1,000 and 5,000 running standing
orders of 1 to 5 lines (3 on average) over 40 products, half of them
storable:

- the forecast a salesperson opens (*Standing Order Forecast*, grouped by
  product and week, with the quantities and the estimated amounts);
- the daily stock check (``autosales.stock.shortfall._refresh_shortfalls``).

Each figure is the median of repeated runs in fresh transactions. Goal: the
cost grows at most linearly with the standing orders (a ratio of at most 5
between the two sizes), and the forecast opens in a few seconds at 5,000.

    python3 bench/forecast.py [--small 1000] [--large 5000]
"""

import argparse
import time

from _common import (
    create_catalog,
    create_customers,
    create_standing_orders,
    environment,
    figure,
    median,
    note,
    order_plan,
    setup_config,
    today,
)

REPEAT = 5


def timed(env, func, repeat=REPEAT):
    """Median wall time of ``func`` in s, each run in its own transaction."""
    times = []
    for _run in range(repeat):
        env.invalidate_all()
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
        env.cr.rollback()
    return median(times), result


def open_forecast(env):
    Forecast = env["sale.standing.order.forecast"]
    return Forecast.read_group(
        [("state", "=", "active")],
        ["product_qty:sum", "amount:sum"],
        ["product_id", "date:week"],
        lazy=False,
    )


def measure(env, size):
    forecast_s, groups = timed(env, lambda: open_forecast(env))
    figure(f"forecast_{size}_s", round(forecast_s, 3), "s")
    figure(f"forecast_{size}_groups", len(groups))
    Shortfall = env["autosales.stock.shortfall"]
    refresh_s, _result = timed(env, Shortfall._refresh_shortfalls)
    figure(f"shortfall_refresh_{size}_s", round(refresh_s, 3), "s")
    return forecast_s, refresh_s


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=5000)
    args = parser.parse_args()
    setup_config()

    with environment() as env:
        products = create_catalog(env)
        customers = create_customers(env, max(args.large // 5, 1))
        start = today(env)
        plan = order_plan(args.large, products, customers)
        note(f"creating {args.small} standing orders")
        create_standing_orders(env, plan[: args.small], start)
        small = measure(env, args.small)
        note(f"adding {args.large - args.small} standing orders")
        create_standing_orders(env, plan[args.small :], start)
        large = measure(env, args.large)
        figure("forecast_large/small", round(large[0] / small[0], 3), "(goal <= 5)")
        figure(
            "shortfall_refresh_large/small",
            round(large[1] / small[1], 3),
            "(goal <= 5)",
        )


if __name__ == "__main__":
    main()
