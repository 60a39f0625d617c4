"""Run the scheduled generation of standing orders in a process of its own.

Used by the multi-process tests, which start several of these on the test
database at once (or kill one with SIGKILL)::

    python3 generation_worker.py --config odoo.conf --ids 1,2,3 \\
        --until 2027-03-01 --batch-size 20 [--ready FILE --go FILE]
        [--crash-before-charge | --send-payments-at 2027-01-01T00:10:00]

Once the registry is loaded, the worker creates the ``--ready`` file and
waits for the ``--go`` file, so that the test can start every worker at the
same moment. It prints one JSON line: the orders it generated (committed)
and the serialization conflicts it retried.

``--crash-before-charge`` makes it die (as on SIGKILL: no cleanup) right
after committing its first batch, before sending the charges of the
pay-now orders of that batch. ``--send-payments-at`` runs instead the
scheduled action that sends the payment requests nobody sent or answered,
as at that time.
"""

import argparse
import json
import logging
import os
import sys
import time
from datetime import date, datetime

# Exit code of a worker that died on purpose (--crash-before-charge).
CRASH_EXIT_CODE = 77


class _RetryCounter(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record):
        if "conflicted, retrying" in record.getMessage():
            self.count += 1


def _wait_for(path, timeout=120):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear")
        time.sleep(0.02)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--ids", required=True)
    parser.add_argument("--until", required=True)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--ready")
    parser.add_argument("--go")
    parser.add_argument("--crash-before-charge", action="store_true")
    parser.add_argument("--send-payments-at")
    args = parser.parse_args()

    import odoo  # noqa: PLC0415 - only once the arguments are valid
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["--config", args.config])
    retries = _RetryCounter()
    logging.getLogger("odoo.addons.autosales_addon").addHandler(retries)
    logging.getLogger("odoo.addons.autosales_addon").setLevel(logging.INFO)
    registry = Registry(config["db_name"])
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        standing_orders = env["sale.standing.order"].browse(
            [int(id_) for id_ in args.ids.split(",")]
        )
        standing_orders.mapped("name")  # loads what the first batch needs
        cr.rollback()
        if args.ready:
            with open(args.ready, "w", encoding="ascii"):
                pass
            _wait_for(args.go)
        if args.crash_before_charge:

            def crash(standing_orders, orders):
                sys.stdout.flush()
                os._exit(CRASH_EXIT_CODE)

            type(standing_orders)._send_pending_payments_committed = crash
        if args.send_payments_at:
            done = len(
                env["sale.order"]._cron_autosales_send_pending_payments(
                    now=datetime.fromisoformat(args.send_payments_at)
                )
            )
        else:
            done = standing_orders._cron_generate_orders(
                until=date.fromisoformat(args.until), batch_size=args.batch_size
            )
    sys.stdout.write(json.dumps({"done": done, "retries": retries.count}) + "\n")


if __name__ == "__main__":
    main()
