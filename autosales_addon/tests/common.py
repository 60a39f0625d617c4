import configparser
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import date, datetime, time
from time import monotonic, sleep

from dateutil.relativedelta import relativedelta

from odoo import SUPERUSER_ID, api
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, TransactionCase
from odoo.tests.common import get_db_name
from odoo.tools import config

WORKER = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "generation_worker.py"
)
WORKER_START_TIMEOUT = 120


def bank_journal(env):
    """The bank journal payments of the company's providers go to."""
    return env["account.journal"].search(
        [("company_id", "=", env.company.id), ("type", "=", "bank")], limit=1
    )


def write_odoo_config(path, **options):
    """Write an Odoo config file at ``path`` for another Odoo process on the
    test's PostgreSQL server, addons and data directory (whose filestore
    this process reads), with ``options`` on top."""
    parser = configparser.ConfigParser(interpolation=None)
    parser["options"] = {
        key: str(config[key])
        for key in (
            "addons_path",
            "data_dir",
            "db_host",
            "db_port",
            "db_user",
            "db_password",
        )
    } | {key: str(value) for key, value in options.items()}
    with open(path, "w", encoding="utf-8") as file:
        parser.write(file)


class AutosalesCommon(TransactionCase):
    """Products, customers and a demo payment provider for standing-order tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False))
        cls.company = cls.env.company
        # Standing orders already in the database (demo data) must not take
        # part in the generations these tests run.
        cls.env["sale.standing.order"].search([("state", "=", "active")]).write(
            {"state": "paused"}
        )
        cls.StandingOrder = cls.env["sale.standing.order"]
        cls.SaleOrder = cls.env["sale.order"]
        cls.salesman = cls.env["res.users"].create(
            {
                "name": "Sam Salesman",
                "login": "autosales_salesman",
                "email": "sam@example.com",
                "groups_id": [
                    Command.set(cls.env.ref("sales_team.group_sale_salesman").ids)
                ],
            }
        )
        cls.manager = cls.env["res.users"].create(
            {
                "name": "Mia Manager",
                "login": "autosales_manager",
                "email": "mia@example.com",
                "groups_id": [
                    Command.set(cls.env.ref("sales_team.group_sale_manager").ids)
                ],
            }
        )
        cls.bulb = cls.env["product.product"].create(
            {
                "name": "LED Light Bulb E27",
                "type": "consu",
                "is_storable": True,
                "list_price": 2.5,
                "sale_ok": True,
            }
        )
        cls.socket = cls.env["product.product"].create(
            {
                "name": "Lamp Socket",
                "type": "consu",
                "list_price": 4.0,
                "sale_ok": True,
            }
        )
        cls.pricelist = cls.env["product.pricelist"].create(
            {
                "name": "AutoSales Test Pricelist",
                "currency_id": cls.company.currency_id.id,
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Brightlight Retail",
                "is_company": True,
                "email": "orders@brightlight.example.com",
                "on_account_allowed": True,
                "user_id": cls.salesman.id,
                "property_product_pricelist": cls.pricelist.id,
                "street": "1 Main Street",
                "city": "Springfield",
            }
        )
        cls.customer_contact = cls.env["res.partner"].create(
            {
                "name": "Bea Buyer",
                "parent_id": cls.customer.id,
                "email": "bea@brightlight.example.com",
            }
        )
        cls.other_customer = cls.env["res.partner"].create(
            {
                "name": "Dimlight Ltd",
                "is_company": True,
                "street": "1 Market Street",
                "city": "Springfield",
                "email": "orders@dimlight.example.com",
                "on_account_allowed": True,
                "property_product_pricelist": cls.pricelist.id,
            }
        )
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.env["stock.quant"]._update_available_quantity(
            cls.bulb, warehouse.lot_stock_id, 100000
        )

    @classmethod
    def _create_standing_order(cls, activate=True, **values):
        vals = {
            "partner_id": cls.customer.id,
            "user_id": cls.salesman.id,
            "interval_number": 2,
            "interval_type": "month",
            "start_date": date(2027, 1, 1),
            "payment_mode": "on_account",
            "line_ids": [
                Command.create({"product_id": cls.bulb.id, "product_uom_qty": 1000})
            ],
        }
        vals.update(values)
        standing = cls.StandingOrder.create(vals)
        if activate:
            standing.action_activate()
        return standing

    @classmethod
    def _setup_demo_payment(cls):
        provider = (
            cls.env["payment.provider"]
            .sudo()
            .search(
                [("code", "=", "demo"), ("company_id", "=", cls.company.id)], limit=1
            )
        )
        provider.write(
            {
                "state": "test",
                "allow_tokenization": True,
                # Given with the state, so that the provider's payment method
                # line is made once (enabling it alone makes two, which the
                # payment's post-processing then cannot choose from).
                "journal_id": bank_journal(cls.env).id,
            }
        )
        cls.provider = provider
        cls.payment_method = provider.payment_method_ids[:1] or cls.env.ref(
            "payment.payment_method_unknown"
        )
        return provider

    @classmethod
    def _create_token(cls, partner=None, state="done"):
        return (
            cls.env["payment.token"]
            .sudo()
            .create(
                {
                    "provider_id": cls.provider.id,
                    "payment_method_id": cls.payment_method.id,
                    "payment_details": "4242",
                    "partner_id": (partner or cls.customer).id,
                    "provider_ref": f"demo-token-{state}",
                    "demo_simulated_state": state,
                }
            )
        )

    def _generate_each_day(self, start, end):
        """Run the generation once for every day from ``start`` to ``end``."""
        orders = self.SaleOrder
        day = start
        while day <= end:
            orders |= self.StandingOrder._generate_due_orders(until=day)
            day = date.fromordinal(day.toordinal() + 1)
        return orders


class AutosalesCommittedCase(BaseCase):
    """Tests on committed data: concurrent transactions and worker processes.

    Two transactions (or processes) only compete for rows both can see, so
    these tests commit their data through their own cursors, and remove it
    afterwards. Workers run :mod:`generation_worker` in separate ``odoo``
    processes on the test database.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())

    @contextlib.contextmanager
    def committed_env(self):
        """A superuser environment on a new cursor, committed at the end."""
        with self.registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})

    def setUp(self):
        super().setUp()
        self.created = {}
        self.addCleanup(self._remove_data)

    # === DATA === #

    def _create_data(
        self,
        standing_count,
        occurrences=1,
        customer_count=5,
        credit_limited=(),
        batch_commit=200,
    ):
        """Commit customers, goods and ``standing_count`` monthly standing
        orders whose ``occurrences`` first occurrences are due on
        :attr:`until`. Customers in ``credit_limited`` (indexes) get a
        credit limit, high enough for every order."""
        self.until = date(2027, 1, 1) + relativedelta(months=occurrences - 1)
        with self.committed_env() as env:
            env = env(context=dict(env.context, tracking_disable=True))
            company = env.company
            # Confirmation emails are queued (Odoo's asynchronous order emails,
            # as advised at scale): the workers do not render hundreds of PDFs.
            params = env["ir.config_parameter"]
            self.created["async_emails"] = params.get_param("sale.async_emails")
            params.set_param("sale.async_emails", "True")
            self.created["use_credit_limit"] = company.account_use_credit_limit
            company.account_use_credit_limit = True
            products = env["product.product"].create(
                [
                    {
                        "name": f"Committed Good {index}",
                        "type": "consu",
                        "is_storable": index < 2,
                        "list_price": 2.0 + index,
                    }
                    for index in range(3)
                ]
            )
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", company.id)], limit=1
            )
            for product in products.filtered("is_storable"):
                env["stock.quant"]._update_available_quantity(
                    product, warehouse.lot_stock_id, 1_000_000
                )
            customers = env["res.partner"].create(
                [
                    {
                        "name": f"Committed Customer {index}",
                        "is_company": True,
                        "street": "1 Market Street",
                        "city": "Springfield",
                        "email": f"committed{index}@example.com",
                        "on_account_allowed": True,
                    }
                    for index in range(customer_count)
                ]
            )
            for index in credit_limited:
                customers[index].credit_limit = 10_000_000
            self.created.update(products=products.ids, customers=customers.ids)
            self.created["standing"] = []
            for offset in range(0, standing_count, batch_commit):
                standing_orders = env["sale.standing.order"].create(
                    [
                        {
                            "partner_id": customers[index % len(customers)].id,
                            "interval_number": 1,
                            "interval_type": "month",
                            "start_date": date(2027, 1, 1),
                            "line_ids": [
                                Command.create(
                                    {
                                        "product_id": product.id,
                                        "product_uom_qty": 1 + index % 7,
                                    }
                                )
                                for product in products[: 1 + index % 3]
                            ],
                        }
                        for index in range(
                            offset, min(offset + batch_commit, standing_count)
                        )
                    ]
                )
                standing_orders.action_activate()
                self.created["standing"] += standing_orders.ids
                env.cr.commit()
        return self.created["standing"]

    def _remove_data(self):
        if "async_emails" in self.created:
            with self.committed_env() as env:
                env["ir.config_parameter"].set_param(
                    "sale.async_emails", self.created["async_emails"] or False
                )
        if not self.created.get("standing"):
            return
        with self.committed_env() as env:
            standing_orders = env["sale.standing.order"].browse(
                self.created["standing"]
            )
            orders = (
                env["sale.order"]
                .with_context(disable_cancel_warning=True)
                .search([("standing_order_id", "in", standing_orders.ids)])
            )
            orders.filtered(lambda o: o.state != "cancel")._action_cancel()
            orders.unlink()
            standing_orders.write({"state": "cancelled"})
            standing_orders.unlink()
            env["product.product"].browse(self.created["products"]).active = False
            env["res.partner"].browse(self.created["customers"]).active = False
            env.company.account_use_credit_limit = self.created["use_credit_limit"]

    # === WORKERS === #

    def _worker_config(self):
        """An Odoo config file for the workers: the test database and server."""
        directory = tempfile.mkdtemp(prefix="autosales-workers-")
        self.addCleanup(shutil.rmtree, directory, ignore_errors=True)
        path = os.path.join(directory, "odoo.conf")
        write_odoo_config(path, db_name=get_db_name())
        return directory, path

    def _start_workers(self, count, batch_size, ids=None, extra_args=()):
        """Start ``count`` generation workers, released together once loaded."""
        directory, path = self._worker_config()
        go = os.path.join(directory, "go")
        workers = []
        for index in range(count):
            ready = os.path.join(directory, f"ready{index}")
            command = [
                sys.executable,
                WORKER,
                "--config",
                path,
                "--ids",
                ",".join(map(str, ids or self.created["standing"])),
                "--until",
                self.until.isoformat(),
                "--batch-size",
                str(batch_size),
                "--ready",
                ready,
                "--go",
                go,
                *extra_args,
            ]
            workers.append(
                (
                    ready,
                    subprocess.Popen(  # noqa: S603 - our own script
                        command,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE,
                        text=True,
                    ),
                )
            )
        deadline = monotonic() + WORKER_START_TIMEOUT
        for ready, worker in workers:
            while not os.path.exists(ready):
                if worker.poll() is not None or monotonic() > deadline:
                    self._kill(worker for _ready, worker in workers)
                    self.fail(f"a worker did not start: {worker.communicate()[1]}")
                sleep(0.05)
        with open(go, "w", encoding="ascii"):
            pass
        return [worker for _ready, worker in workers]

    def _kill(self, workers):
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    def _wait_workers(self, workers, timeout):
        """Wait for ``workers``; return their results, failing on any error."""
        results = []
        deadline = monotonic() + timeout
        try:
            for worker in workers:
                stdout, stderr = worker.communicate(
                    timeout=max(deadline - monotonic(), 1)
                )
                self.assertEqual(
                    worker.returncode, 0, f"a worker failed:\n{stderr[-3000:]}"
                )
                self.assertNotIn("Traceback", stderr)
                results.append(json.loads(stdout.strip().splitlines()[-1]))
        finally:
            self._kill(workers)
        return results

    # === CHECKS === #

    def _occurrence_counts(self, env):
        env.cr.execute(
            """
            SELECT standing_order_id, standing_order_date, count(*)
              FROM sale_order
             WHERE standing_order_id IN %s
          GROUP BY standing_order_id, standing_order_date
            """,
            [tuple(self.created["standing"])],
        )
        return env.cr.fetchall()

    def _assert_whole_orders(self, env):
        """Every generated order is complete: lines, confirmed, a delivery."""
        orders = env["sale.order"].search(
            [("standing_order_id", "in", self.created["standing"])]
        )
        for order in orders:
            self.assertTrue(order.order_line, f"{order.name} has its lines")
            self.assertEqual(order.state, "sale", f"{order.name} is confirmed")
            self.assertEqual(
                len(order.picking_ids), 1, f"{order.name} has its delivery"
            )
        return orders

    def _assert_each_occurrence_once(self, occurrences):
        with self.committed_env() as env:
            rows = self._occurrence_counts(env)
            expected = len(self.created["standing"]) * occurrences
            self.assertEqual(len(rows), expected, "every occurrence was generated")
            self.assertEqual(
                {row[2] for row in rows}, {1}, "no occurrence was generated twice"
            )
            standing_orders = env["sale.standing.order"].browse(
                self.created["standing"]
            )
            self.assertEqual(set(standing_orders.mapped("state")), {"active"})
            self.assertEqual(
                set(standing_orders.mapped("next_date")),
                {self.until + relativedelta(months=1)},
            )
            return self._assert_whole_orders(env)


class AutosalesCrmCommon(AutosalesCommon):
    """Reminder rules and order history for the CRM tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Rules already in the database (demo data) must not take part.
        cls.env["autosales.reminder.rule"].search([]).write({"active": False})
        cls.Rule = cls.env["autosales.reminder.rule"]
        cls.Interaction = cls.env["autosales.interaction"]
        cls.Activity = cls.env["mail.activity"]
        cls.call_type = cls.env.ref("mail.mail_activity_data_call")
        cls.todo_type = cls.env.ref("mail.mail_activity_data_todo")
        cls.visit_type = cls.env.ref("autosales_addon.mail_activity_type_site_visit")
        cls.other_salesman = cls.env["res.users"].create(
            {
                "name": "Olga Other",
                "login": "autosales_other_salesman",
                "email": "olga@example.com",
                "groups_id": [
                    Command.set(cls.env.ref("sales_team.group_sale_salesman").ids)
                ],
            }
        )

    @classmethod
    def _create_confirmed_order(cls, order_date, partner=None, **values):
        """A confirmed order of ``partner`` dated ``order_date``."""
        order = cls.SaleOrder.create(
            {
                "partner_id": (partner or cls.customer).id,
                "user_id": cls.salesman.id,
                "order_line": [
                    Command.create({"product_id": cls.socket.id, "product_uom_qty": 5})
                ],
                **values,
            }
        )
        order.action_confirm()
        # Confirming dates the order today.
        order.date_order = datetime.combine(order_date, time(10, 0))
        return order

    @classmethod
    def _create_rule(cls, trigger, **values):
        return cls.Rule.create(
            {
                "name": f"Test rule {trigger}",
                "trigger": trigger,
                "activity_type_id": cls.call_type.id,
                **values,
            }
        )

    def _rule_activities(self, rule):
        logs = self.env["autosales.reminder.log"].search([("rule_id", "=", rule.id)])
        return logs.activity_id
