from datetime import date

from psycopg2 import IntegrityError

from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from .common import AutosalesCommon


@tagged("post_install", "-at_install")
class TestStandingOrderSchedule(AutosalesCommon):
    def test_light_bulbs_every_two_months_for_a_year(self):
        standing = self._create_standing_order()
        orders = self._generate_each_day(date(2027, 1, 1), date(2027, 12, 31))

        self.assertEqual(
            orders.sorted("standing_order_date").mapped("standing_order_date"),
            [date(2027, month, 1) for month in (1, 3, 5, 7, 9, 11)],
        )
        self.assertEqual(standing.order_ids, orders)
        self.assertEqual(set(orders.mapped("state")), {"sale"})
        for order in orders:
            self.assertEqual(order.order_line.product_id, self.bulb)
            self.assertEqual(order.order_line.product_uom_qty, 1000)
            self.assertEqual(len(order.picking_ids), 1, "each order has its delivery")
            self.assertEqual(order.picking_ids.move_ids.product_uom_qty, 1000)
            self.assertEqual(order.origin, standing.name)
        self.assertEqual(standing.next_date, date(2028, 1, 1))
        self.assertEqual(standing.state, "active")
        self.assertEqual(standing.order_count, 6)

    def test_name_uses_the_standing_order_sequence(self):
        standing = self._create_standing_order(activate=False)
        self.assertTrue(standing.name.startswith("SO-STD/"))

    def test_monthly_from_jan_31_stays_on_month_end(self):
        standing = self._create_standing_order(
            start_date=date(2027, 1, 31), interval_number=1
        )
        orders = standing._generate_due_orders(until=date(2028, 3, 31))
        self.assertEqual(
            orders.sorted("standing_order_date").mapped("standing_order_date")[:6],
            [
                date(2027, 1, 31),
                date(2027, 2, 28),
                date(2027, 3, 31),
                date(2027, 4, 30),
                date(2027, 5, 31),
                date(2027, 6, 30),
            ],
        )
        self.assertIn(date(2028, 2, 29), orders.mapped("standing_order_date"))
        self.assertEqual(standing.next_date, date(2028, 4, 30))

    def test_missed_runs_generate_each_occurrence_once_oldest_first(self):
        standing = self._create_standing_order(interval_number=1)
        orders = self.StandingOrder._generate_due_orders(until=date(2027, 4, 15))
        self.assertEqual(
            orders.mapped("standing_order_date"),
            [date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1), date(2027, 4, 1)],
            "every missed occurrence is generated, oldest first, with its own date",
        )
        self.assertFalse(
            self.StandingOrder._generate_due_orders(until=date(2027, 4, 15))
        )
        self.assertEqual(standing.next_date, date(2027, 5, 1))

    def test_generation_is_idempotent(self):
        standing = self._create_standing_order()
        first = self.StandingOrder._generate_due_orders(until=date(2027, 3, 1))
        again = self.StandingOrder._generate_due_orders(until=date(2027, 3, 1))
        self.assertEqual(len(first), 2)
        self.assertFalse(again)
        self.assertEqual(standing.order_count, 2)

    def test_unique_occurrence_constraint_in_database(self):
        standing = self._create_standing_order()
        order = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        self.assertEqual(len(order), 1)
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.env.cr.savepoint(),
        ):
            self.SaleOrder.create(
                {
                    "partner_id": self.customer.id,
                    "standing_order_id": standing.id,
                    "standing_order_date": date(2027, 1, 1),
                }
            )

    def test_pause_generates_nothing_and_resume_continues_in_the_future(self):
        standing = self._create_standing_order(interval_number=1)
        self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        standing.action_pause()
        self.assertFalse(
            self.StandingOrder._generate_due_orders(until=date(2027, 5, 15))
        )
        self.assertEqual(standing.state, "paused")

        with freeze_time("2027-05-15"):
            standing.action_resume()
        self.assertEqual(standing.state, "active")
        self.assertEqual(
            standing.next_date, date(2027, 6, 1), "no flood of paused orders"
        )
        orders = self.StandingOrder._generate_due_orders(until=date(2027, 6, 1))
        self.assertEqual(orders.mapped("standing_order_date"), [date(2027, 6, 1)])
        self.assertTrue(
            any(
                "were not generated" in (body or "")
                for body in standing.message_ids.mapped("body")
            )
        )

    def test_skip_next_skips_exactly_one_occurrence(self):
        standing = self._create_standing_order()
        standing.action_skip_next()
        self.assertEqual(standing.next_date, date(2027, 3, 1))
        orders = self.StandingOrder._generate_due_orders(until=date(2027, 5, 1))
        self.assertEqual(
            orders.mapped("standing_order_date"), [date(2027, 3, 1), date(2027, 5, 1)]
        )
        self.assertTrue(
            any(
                "was skipped" in (body or "")
                for body in standing.message_ids.mapped("body")
            )
        )

    def test_end_by_date_moves_to_done_after_last_occurrence(self):
        standing = self._create_standing_order(
            end_type="date", end_date=date(2027, 6, 30)
        )
        orders = self.StandingOrder._generate_due_orders(until=date(2027, 12, 31))
        self.assertEqual(
            orders.mapped("standing_order_date"),
            [date(2027, 1, 1), date(2027, 3, 1), date(2027, 5, 1)],
        )
        self.assertEqual(standing.state, "done")

    def test_end_by_count_moves_to_done_after_last_occurrence(self):
        standing = self._create_standing_order(end_type="count", max_occurrences=2)
        orders = self._generate_each_day(date(2027, 1, 1), date(2027, 2, 28))
        self.assertEqual(len(orders), 1)
        self.assertEqual(standing.state, "active")
        orders |= self.StandingOrder._generate_due_orders(until=date(2027, 12, 31))
        self.assertEqual(len(orders), 2)
        self.assertEqual(standing.state, "done")
        self.assertFalse(
            self.StandingOrder._generate_due_orders(until=date(2028, 12, 31))
        )

    def test_changing_interval_reanchors_at_next_date(self):
        standing = self._create_standing_order(interval_number=1)
        self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        standing.write({"interval_number": 2, "interval_type": "week"})
        self.assertEqual(standing.next_date, date(2027, 2, 1))
        orders = self.StandingOrder._generate_due_orders(until=date(2027, 2, 28))
        self.assertEqual(
            orders.mapped("standing_order_date"), [date(2027, 2, 1), date(2027, 2, 15)]
        )

    def test_generate_now_counts_as_the_next_occurrence(self):
        standing = self._create_standing_order(start_date=date(2099, 1, 1))
        standing.action_generate_now()
        self.assertEqual(standing.order_ids.standing_order_date, date(2099, 1, 1))
        self.assertEqual(standing.order_ids.state, "sale")
        self.assertEqual(standing.next_date, date(2099, 3, 1))
        self.assertFalse(
            self.StandingOrder._generate_due_orders(until=date(2099, 2, 1))
        )

    def test_generated_order_copies_standing_order(self):
        delivery = self.env["res.partner"].create(
            {
                "name": "Warehouse",
                "type": "delivery",
                "parent_id": self.customer.id,
                "street": "9 Dock Road",
                "city": "Shelbyville",
            }
        )
        standing = self._create_standing_order(
            partner_shipping_id=delivery.id,
            client_order_ref="PO-4711",
            lead_days=5,
            line_ids=[
                Command.create({"product_id": self.bulb.id, "product_uom_qty": 1000}),
                Command.create(
                    {
                        "product_id": self.socket.id,
                        "product_uom_qty": 10,
                        "price_unit": 3.0,
                    }
                ),
            ],
        )
        self.bulb.list_price = 2.0  # pricelist prices are taken at generation time
        order = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        self.assertEqual(order.standing_order_id, standing)
        self.assertEqual(order.partner_shipping_id, delivery)
        self.assertEqual(order.client_order_ref, "PO-4711")
        self.assertEqual(order.user_id, self.salesman)
        self.assertEqual(order.pricelist_id, self.pricelist)
        self.assertEqual(order.commitment_date.date(), date(2027, 1, 6))
        bulb_line = order.order_line.filtered(lambda line: line.product_id == self.bulb)
        socket_line = order.order_line - bulb_line
        self.assertEqual(bulb_line.price_unit, 2.0)
        self.assertEqual(socket_line.price_unit, 3.0, "a fixed price is kept")

    def test_make_it_a_standing_order_from_a_sale_order(self):
        order = self.SaleOrder.create(
            {
                "partner_id": self.customer.id,
                "date_order": "2027-03-10 10:00:00",
                "client_order_ref": "PO-1",
                "order_line": [
                    Command.create({"product_id": self.bulb.id, "product_uom_qty": 50})
                ],
            }
        )
        order.action_confirm()
        order.date_order = "2027-03-10 10:00:00"  # confirming stamped it with today
        action = order.action_create_standing_order()
        standing = self.StandingOrder.browse(action["res_id"])
        self.assertEqual(standing.partner_id, self.customer)
        self.assertEqual(standing.partner_shipping_id, order.partner_shipping_id)
        self.assertEqual(standing.client_order_ref, "PO-1")
        self.assertEqual(standing.line_ids.product_id, self.bulb)
        self.assertEqual(standing.line_ids.product_uom_qty, 50)
        self.assertEqual(standing.start_date, date(2027, 4, 10))
        self.assertEqual(standing.state, "draft")
        self.assertEqual(order.standing_order_count, 1)
        # Converting it again warns and opens the same standing order.
        again = order.action_create_standing_order()
        self.assertEqual(again["params"]["type"], "warning")
        self.assertIn(standing.name, again["params"]["message"])
        self.assertEqual(again["params"]["next"]["res_id"], standing.id)
        self.assertEqual(order.standing_order_count, 1, "no second standing order")


@tagged("post_install", "-at_install")
class TestStandingOrderValidation(AutosalesCommon):
    def test_interval_below_one_is_refused(self):
        with self.assertRaises(ValidationError):
            self._create_standing_order(interval_number=0)

    def test_quantity_must_be_positive(self):
        with self.assertRaises(ValidationError):
            self._create_standing_order(
                line_ids=[
                    Command.create({"product_id": self.bulb.id, "product_uom_qty": 0})
                ]
            )

    def test_end_before_start_is_refused(self):
        with self.assertRaises(ValidationError):
            self._create_standing_order(end_type="date", end_date=date(2026, 12, 1))

    def test_activating_without_lines_is_refused(self):
        standing = self._create_standing_order(activate=False, line_ids=[])
        with self.assertRaisesRegex(ValidationError, "at least one product"):
            standing.action_activate()

    def test_activating_on_account_for_unapproved_customer_is_refused(self):
        self.other_customer.on_account_allowed = False
        standing = self._create_standing_order(
            activate=False, partner_id=self.other_customer.id
        )
        with self.assertRaisesRegex(ValidationError, "not approved"):
            standing.action_activate()

    def test_activating_pay_now_without_token_is_refused(self):
        standing = self._create_standing_order(activate=False, payment_mode="pay_now")
        with self.assertRaisesRegex(ValidationError, "saved payment method"):
            standing.action_activate()

    def test_only_managers_approve_on_account(self):
        with self.assertRaises(UserError):
            self.other_customer.with_user(self.salesman).on_account_allowed = False
        self.other_customer.with_user(self.manager).on_account_allowed = False
        self.assertFalse(self.other_customer.on_account_allowed)

    def test_running_standing_order_cannot_be_deleted(self):
        standing = self._create_standing_order()
        with self.assertRaises(UserError):
            standing.unlink()
