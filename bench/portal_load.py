"""Bounded HTTP load on the customer portal and the webshop cart.

The script starts an Odoo server with HTTP workers on the benchmark database,
as ``make run`` serves one, bound to the loopback interface only, and runs C
concurrent clients (default 20) for D seconds (default 60). Each client is a
portal customer with standing orders, signed in with its own session, and
loops over what such a customer does:

- ``/my/standing-orders``, then one of its standing orders;
- adds a product to its cart (``/shop/cart/update``), chooses to repeat
  the order (``/shop/cart/repeat``), and opens the cart (``/shop/cart``).

Figures: requests/s and the p50/p95/p99 latency (ms) of each group and of
all requests, and the errors (any status other than 200 or a redirect, or a
failed connection), which must be 0.

    python3 bench/portal_load.py [--clients 20] [--seconds 60] [--workers 4]
"""

import argparse
import re
import sys
import threading
import time
from collections import defaultdict

import requests
from _common import (
    create_catalog,
    create_standing_orders,
    environment,
    figure,
    free_port,
    note,
    order_plan,
    quiet_context,
    setup_config,
    start_server,
    stop_server,
    today,
)

PASSWORD = "bench-portal-password"  # noqa: S105 - throwaway bench users
CSRF = re.compile(r'name="csrf_token"\s+value="([^"]+)"')
STANDING_LINK = re.compile(r'href="(/my/standing-orders/\d+)[?"]')


def create_customers(env, count):
    """``count`` portal users of their own company, approved on account, with
    three standing orders each; return their logins."""
    env = quiet_context(env)
    products = create_catalog(env, count=10, prefix="Portal")
    products.product_tmpl_id.write({"is_published": True, "website_published": True})
    portal = env.ref("base.group_portal")
    users = env["res.users"].create(
        [
            {
                "name": f"Portal Customer {index:02d}",
                "login": f"portal{index:02d}@bench.example.com",
                "email": f"portal{index:02d}@bench.example.com",
                "password": PASSWORD,
                "groups_id": [(6, 0, portal.ids)],
            }
            for index in range(count)
        ]
    )
    users.partner_id.write({"is_company": True, "on_account_allowed": True})
    plan = order_plan(3 * count, products, users.partner_id)
    create_standing_orders(env, plan, today(env))
    env.cr.commit()
    return users.mapped("login"), products[0].id


class Client(threading.Thread):
    """One signed-in portal customer looping over its usual pages."""

    def __init__(self, url, login, product_id, repeat_option_id, results):
        super().__init__(daemon=True)
        self.url, self.login, self.product_id = url, login, product_id
        self.repeat_option_id = repeat_option_id
        self.results = results
        self.stop_at = 0
        self.session = requests.Session()

    def request(self, group, method, path, **kwargs):
        start = time.perf_counter()
        try:
            response = self.session.request(
                method, self.url + path, timeout=60, allow_redirects=False, **kwargs
            )
            ok = response.status_code in (200, 301, 302, 303)
        except requests.RequestException:
            response, ok = None, False
        self.results[group].append((time.perf_counter() - start, ok))
        return response

    def csrf(self, response):
        match = response is not None and CSRF.search(response.text)
        return match.group(1) if match else ""

    def sign_in(self):
        page = self.session.get(f"{self.url}/web/login", timeout=60)
        response = self.session.post(
            f"{self.url}/web/login",
            data={
                "login": self.login,
                "password": PASSWORD,
                "csrf_token": self.csrf(page),
                "redirect": "/my",
            },
            timeout=60,
            allow_redirects=False,
        )
        if response.status_code not in (302, 303):
            raise RuntimeError(f"{self.login} could not sign in")

    def run(self):
        while time.monotonic() < self.stop_at:
            listing = self.request("portal", "GET", "/my/standing-orders")
            links = STANDING_LINK.findall(listing.text) if listing is not None else []
            if links:
                self.request("portal", "GET", links[0])
            shop = self.request("cart", "GET", "/shop")
            token = self.csrf(shop)
            self.request(
                "cart",
                "POST",
                "/shop/cart/update",
                data={
                    "product_id": self.product_id,
                    "add_qty": 1,
                    "csrf_token": token,
                },
            )
            self.request(
                "cart",
                "POST",
                "/shop/cart/repeat",
                data={
                    "repeat_option_id": str(self.repeat_option_id),
                    "csrf_token": token,
                },
            )
            self.request("cart", "GET", "/shop/cart")


def percentile(sorted_values, fraction):
    index = min(int(round(fraction * (len(sorted_values) - 1))), len(sorted_values) - 1)
    return sorted_values[index]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    setup_config()

    with environment() as env:
        note(f"creating {args.clients} portal customers")
        logins, product_id = create_customers(env, args.clients)
        # The repeat option the clients choose in their cart.
        option = env["autosales.repeat.option"].search([], limit=1).id
        if not option:
            sys.exit("no repeat option offered by the webshop")
    port = free_port()
    note(f"starting Odoo with {args.workers} workers on 127.0.0.1:{port}")
    server, url = start_server(port, args.workers)
    results = defaultdict(list)
    try:
        clients = [Client(url, login, product_id, option, results) for login in logins]
        for client in clients:
            client.sign_in()
        note(f"{args.clients} clients for {args.seconds} s")
        started = time.monotonic()
        stop_at = started + args.seconds
        for client in clients:
            client.stop_at = stop_at
            client.start()
        for client in clients:
            client.join(timeout=args.seconds + 120)
        elapsed = time.monotonic() - started
    finally:
        stop_server(server)

    figure("portal_clients", args.clients)
    figure("portal_seconds", args.seconds)
    figure("portal_server_workers", args.workers)
    everything = []
    for group in ("portal", "cart"):
        samples = results[group]
        everything += samples
        report(group, samples, elapsed)
    report("all", everything, elapsed)
    errors = sum(1 for _seconds, ok in everything if not ok)
    figure("portal_load_errors", errors)
    if errors:
        sys.exit(f"{errors} requests failed")


def report(group, samples, elapsed):
    times = sorted(seconds * 1000 for seconds, _ok in samples)
    figure(f"portal_load_{group}_requests", len(times))
    figure(f"portal_load_{group}_requests_per_s", len(times) / elapsed)
    if times:
        for name, fraction in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
            figure(f"portal_load_{group}_{name}_ms", percentile(times, fraction))


if __name__ == "__main__":
    main()
