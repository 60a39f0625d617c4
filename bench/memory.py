"""Peak memory of the generation worker against the number of orders.

The scheduled action of ``generation.py`` runs in a worker process of its
own, first on N/10 due standing orders, then on N (default 20,000); the peak
resident set size (RSS) of each worker is printed in MiB. It must stay flat
in N: the work is done batch by batch and the cache is emptied between
batches, so the ratio should stay close to 1.

    python3 bench/memory.py [--orders 20000]
"""

import argparse
import os
import subprocess
import sys

from _common import (
    create_scenario,
    create_standing_orders,
    environment,
    figure,
    note,
    peak_rss_mib,
    render_emails_without_pdf,
    reset_peak_rss,
    rss_mib,
    set_async_emails,
    set_state,
    setup_config,
)


def worker():
    """Run the scheduled action; print the orders made, the RSS once the
    registry is loaded and the peak RSS during the generation."""
    setup_config()
    with environment() as env:
        env["sale.standing.order"].search_count([])
        loaded = rss_mib()
        reset_peak_rss()
        done = env["sale.standing.order"]._cron_generate_orders()
        peak = peak_rss_mib()
    sys.stdout.write(f"{done} {loaded:.1f} {peak:.1f}\n")


def run_worker(env, standing):
    set_state(env, standing, "active")
    result = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--worker"],
        check=True,
        capture_output=True,
        text=True,
    )
    done, loaded, peak = result.stdout.split()
    assert int(done) == len(standing), (done, len(standing))
    return float(loaded), float(peak)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return
    setup_config()
    large = args.orders
    small = max(large // 10, 1)

    with environment() as env:
        note(f"creating {small} + {large} standing orders")
        render_emails_without_pdf(env)
        set_async_emails(env, True)
        _customers, plan, start = create_scenario(env, small + large)
        small_set = create_standing_orders(env, plan[:small], start, state="paused")
        large_set = create_standing_orders(env, plan[small:], start, state="paused")
        note(f"worker generating {small} orders")
        small_rss = run_worker(env, small_set)
        note(f"worker generating {large} orders")
        large_rss = run_worker(env, large_set)

    figure("memory_orders_small", small)
    figure("memory_orders_large", large)
    figure("memory_rss_loaded_small_mib", small_rss[0])
    figure("memory_rss_loaded_large_mib", large_rss[0])
    figure("memory_peak_rss_small_mib", small_rss[1])
    figure("memory_peak_rss_large_mib", large_rss[1])
    figure("memory_peak_rss_large/small", large_rss[1] / small_rss[1])
    figure(
        "memory_growth_large/small",
        (large_rss[1] - large_rss[0]) / max(small_rss[1] - small_rss[0], 1.0),
    )


if __name__ == "__main__":
    main()
