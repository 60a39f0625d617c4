"""Helpers shared by the benchmark scripts (not a benchmark: make bench
skips ``bench/_*.py``).

Every figure is printed as one ``name: value`` line, so that runs can be
compared with ``grep`` and ``diff``.
"""

import contextlib
import functools
import importlib.util
import os
import random
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import date

import requests

import odoo
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.tools import config

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
# Intervals of the standing orders: (number, unit), mixed as customers use them.
INTERVALS = [(1, "week"), (2, "week"), (1, "month"), (2, "month"), (3, "month")]
LINES_PER_ORDER = (1, 5)


def oca_addons_path(module):
    """Folder holding the OCA module ``module`` installed from PyPI, or None."""
    spec = importlib.util.find_spec(f"odoo.addons.{module}")
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.dirname(list(spec.submodule_search_locations)[0])


def setup_config(extra_addons=()):
    """Read $ODOO_RC (see bench/README.rst), adding ``extra_addons`` folders."""
    config.parse_config([])
    if extra_addons:
        paths = config["addons_path"].split(",")
        paths += [path for path in extra_addons if path not in paths]
        config.parse_config(["--addons-path", ",".join(paths)])
    odoo.modules.module.initialize_sys_path()
    return config["db_name"]


@contextlib.contextmanager
def environment(db_name=None):
    """A superuser environment on a new cursor, committed at the end."""
    registry = Registry(db_name or config["db_name"])
    with registry.cursor() as cr:
        yield odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})


def figure(name, value, unit=""):
    """Print one measurement."""
    if isinstance(value, float):
        value = f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"
    output(f"{name}: {value}{' ' + unit if unit else ''}")


def output(text):
    """One line of the results (stdout)."""
    sys.stdout.write(f"{text}\n")
    sys.stdout.flush()


def note(text):
    """Progress information, kept out of the results (stderr)."""
    sys.stderr.write(f"# {text}\n")
    sys.stderr.flush()


class Measure:
    """Wall time and SQL queries (all cursors of this process) of a block."""

    def __enter__(self):
        self.queries = odoo.sql_db.sql_counter
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        self.queries = odoo.sql_db.sql_counter - self.queries


class Total:
    """Seconds and queries of several :class:`Measure` blocks added up."""

    seconds = 0.0
    queries = 0

    def add(self, measure):
        self.seconds += measure.seconds
        self.queries += measure.queries


class MethodTimes:
    """Wall time spent in some methods of Odoo models while the block runs,
    per ``(model, method)``: the outermost calls only, so that recursion or
    ``super()`` chains are counted once. The methods are wrapped on the
    registry's classes, which this process alone uses."""

    def __init__(self, env, methods):
        self.classes = {method: type(env[method[0]]) for method in methods}
        self.seconds = dict.fromkeys(methods, 0.0)
        self.calls = dict.fromkeys(methods, 0)
        self._saved = {}

    def __enter__(self):
        for key, cls in self.classes.items():
            name = key[1]
            self._saved[key] = cls.__dict__.get(name)
            setattr(cls, name, self._wrap(key, getattr(cls, name)))
        return self

    def __exit__(self, *exc):
        for key, cls in self.classes.items():
            if self._saved[key] is None:
                delattr(cls, key[1])
            else:
                setattr(cls, key[1], self._saved[key])

    def _wrap(self, key, method):
        depth = [0]

        @functools.wraps(method)
        def timed(*args, **kwargs):
            depth[0] += 1
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                depth[0] -= 1
                if not depth[0]:
                    self.seconds[key] += time.perf_counter() - start
                    self.calls[key] += 1

        return timed


def peak_rss_mib():
    """Peak resident set size of this process, in MiB: since
    :func:`reset_peak_rss` when the kernel supports it, else since start."""
    try:
        return _proc_status_kib("VmHWM") / 1024
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mib():
    """Current resident set size of this process, in MiB."""
    return _proc_status_kib("VmRSS") / 1024


def reset_peak_rss():
    """Restart the peak RSS of this process from its current RSS (Linux)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as file:
            file.write("5")
    except OSError:
        note("cannot reset the peak RSS: it includes the start of the process")


def _proc_status_kib(key):
    with open("/proc/self/status", encoding="ascii") as file:
        for line in file:
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
    raise OSError(f"{key} not in /proc/self/status")


def median(values):
    return statistics.median(values)


# === ODOO SERVER === #


def free_port():
    """A TCP port free on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port, workers):
    """Start an Odoo server on the benchmark database, on the loopback
    interface; return it and its URL once it answers."""
    # Odoo's console script if there is one: with workers, Odoo starts its
    # websocket (gevent) process by running sys.argv[0] again, which fails
    # under "python -m odoo".
    script = os.path.join(os.path.dirname(sys.executable), "odoo")
    launcher = [script] if os.path.exists(script) else [sys.executable, "-m", "odoo"]
    command = [
        *launcher,
        "--config",
        os.environ["ODOO_RC"],
        "--http-interface",
        "127.0.0.1",
        "--http-port",
        str(port),
        "--workers",
        str(workers),
        "--max-cron-threads",
        "0",
        "--limit-time-real",
        "120",
        "--log-level",
        "warn",
    ]
    server = subprocess.Popen(command, start_new_session=True)  # noqa: S603
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.ConnectionError):  # not listening yet
            if requests.get(f"{url}/web/login", timeout=5).status_code == 200:
                return server, url
        if server.poll() is not None:
            sys.exit("the Odoo server did not start")
        time.sleep(0.5)
    stop_server(server)
    sys.exit("the Odoo server did not answer")


def stop_server(server):
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@contextlib.contextmanager
def serving(workers=0):
    """An Odoo server on the benchmark database for the block; yield its URL."""
    server, url = start_server(free_port(), workers)
    try:
        yield url
    finally:
        stop_server(server)


# === DATA === #


def quiet_context(env):
    """Environment for creating bench data fast: no chatter on setup records."""
    return env(
        context=dict(
            env.context,
            tracking_disable=True,
            mail_create_nolog=True,
            mail_create_nosubscribe=True,
            mail_notrack=True,
        )
    )


def create_catalog(env, count=40, prefix="Bench"):
    """Sellable products with a price, half of them storable with stock."""
    env = quiet_context(env)
    products = env["product.product"].create(
        [
            {
                "name": f"{prefix} Product {index:03d}",
                "type": "consu",
                "is_storable": index % 2 == 0,
                "list_price": 1.0 + index,
                "sale_ok": True,
                "invoice_policy": "order",
            }
            for index in range(count)
        ]
    )
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", env.company.id)], limit=1
    )
    for product in products.filtered("is_storable"):
        env["stock.quant"]._update_available_quantity(
            product, warehouse.lot_stock_id, 10_000_000
        )
    return products


def create_customers(env, count, prefix="Bench"):
    env = quiet_context(env)
    return env["res.partner"].create(
        [
            {
                "name": f"{prefix} Customer {index:05d}",
                "is_company": True,
                "email": f"customer{index}@bench.example.com",
                "on_account_allowed": True,
                "street": f"{index} Bench Street",
                "city": "Springfield",
            }
            for index in range(count)
        ]
    )


def order_plan(count, products, customers, seed=42):
    """Deterministic description of ``count`` standing orders:
    [(customer, [(product, quantity)], (interval_number, interval_type))]."""
    rng = random.Random(seed)
    plan = []
    for index in range(count):
        lines = [
            (product, rng.randint(1, 20))
            for product in rng.sample(list(products), rng.randint(*LINES_PER_ORDER))
        ]
        plan.append((customers[index % len(customers)], lines, rng.choice(INTERVALS)))
    return plan


def create_scenario(env, count):
    """The customers and the plan of ``count`` standing orders of the
    generation benchmarks (five per customer, over the benchmark catalog),
    and the day they are due: (customers, plan, start)."""
    products = create_catalog(env)
    customers = create_customers(env, max(count // 5, 1))
    return customers, order_plan(count, products, customers), today(env)


def create_standing_orders(
    env, plan, start, state="active", invoicing_mode="manual", chunk=500
):
    """Standing orders of ``plan`` whose first occurrence is ``start``.

    They are created running (``state``), as ``action_activate`` leaves them,
    in batches: the setup of a benchmark is not what it measures. Their
    orders are invoiced as ``invoicing_mode`` says (``manual``: not by the
    add-on).
    """
    env = quiet_context(env)
    standing_orders = env["sale.standing.order"]
    for offset in range(0, len(plan), chunk):
        standing_orders |= standing_orders.create(
            [
                {
                    "partner_id": customer.id,
                    "interval_number": number,
                    "interval_type": unit,
                    "start_date": start,
                    "next_date": start,
                    "state": state,
                    "payment_mode": "on_account",
                    "invoicing_mode": invoicing_mode,
                    "recurrence_anchor_date": start,
                    "recurrence_anchor_index": 0,
                    "occurrence_index": 0,
                    "line_ids": [
                        Command.create(
                            {"product_id": product.id, "product_uom_qty": quantity}
                        )
                        for product, quantity in lines
                    ],
                }
                for customer, lines, (number, unit) in plan[offset : offset + chunk]
            ]
        )
        env.cr.commit()
        env.invalidate_all()
    return standing_orders


def set_state(env, standing_orders, state):
    """Switch ``standing_orders`` to ``state`` without any side effect."""
    env.cr.execute(
        "UPDATE sale_standing_order SET state = %s WHERE id IN %s",
        [state, tuple(standing_orders.ids)],
    )
    env.cr.commit()
    env.invalidate_all()


def render_emails_without_pdf(env):
    """Let order confirmation emails render on a machine without wkhtmltopdf.

    Odoo attaches the order as PDF and fails the whole email when wkhtmltopdf
    is missing; the attachment is dropped then. Return whether PDFs are made.
    """
    if env["ir.actions.report"].get_wkhtmltopdf_state() in ("ok", "upgrade"):
        return True
    env.ref("sale.mail_template_sale_confirmation").report_template_ids = False
    env.cr.commit()
    return False


def set_async_emails(env, enabled):
    """Odoo's setting that sends order emails from a scheduled action."""
    env["ir.config_parameter"].set_param("sale.async_emails", str(bool(enabled)))
    env.cr.commit()


def today(env):
    return env["sale.standing.order"]._get_today() or date.today()
