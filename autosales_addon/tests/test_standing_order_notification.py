import io
import shutil
import subprocess
from datetime import date
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import AutosalesCommon


@tagged("post_install", "-at_install")
class TestStandingOrderNotification(AutosalesCommon):
    def _customer_mails(self, record, subject_part):
        return record.message_ids.filtered(
            lambda message: subject_part in (message.subject or "")
            and self.customer in message.partner_ids
        )

    def test_generated_order_sends_order_confirmation_with_number(self):
        self._create_standing_order()
        order = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        confirmation = self._customer_mails(order, order.name)
        self.assertTrue(confirmation, "the customer receives Odoo's order confirmation")
        self.assertIn(order.name, confirmation[0].subject)

    def test_async_order_emails_are_queued_then_sent_by_odoo(self):
        # Odoo's "send order emails asynchronously" (sale.async_emails): the
        # confirmations of a batch are queued for its scheduled action.
        self.env["ir.config_parameter"].set_param("sale.async_emails", "True")
        self._create_standing_order()
        self._create_standing_order(partner_id=self.other_customer.id)
        orders = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        self.assertEqual(len(orders), 2)
        self.assertEqual(
            orders.pending_email_template_id,
            self.env.ref("sale.mail_template_sale_confirmation"),
        )
        self.assertFalse(self._customer_mails(orders[0], orders[0].name))
        self.SaleOrder._cron_send_pending_emails(auto_commit=False)
        self.assertFalse(orders.pending_email_template_id)
        self.assertTrue(self._customer_mails(orders[0], orders[0].name))

    def test_validated_delivery_sends_shipping_confirmation(self):
        self.company.stock_move_email_validation = False
        self._create_standing_order()
        order = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        picking = order.picking_ids
        picking.move_ids.quantity = 1000
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.assertTrue(
            picking.message_ids.filtered(lambda m: self.customer in m.partner_ids),
            "the shipping confirmation reaches the customer",
        )

    def test_upcoming_order_notice_is_sent_once_per_occurrence(self):
        standing = self._create_standing_order()
        standing.line_ids.product_uom_qty = 1000
        self.company.autosales_notice_days = 3
        self.assertFalse(
            self.StandingOrder._cron_send_upcoming_notices(today=date(2026, 12, 28))
        )
        notified = self.StandingOrder._cron_send_upcoming_notices(
            today=date(2026, 12, 29)
        )
        self.assertEqual(notified, standing)
        mails = self._customer_mails(standing, "next order")
        self.assertEqual(len(mails), 1)
        self.assertIn("/my/standing-orders/", mails.body)
        # Quantities as people write them, not as floats.
        self.assertIn("1,000 Units", mails.body)
        self.assertNotIn("1000.0", mails.body)
        # The customer finds it in the communication history of the portal.
        self.assertIn(mails, standing.website_message_ids)
        self.assertFalse(
            self.StandingOrder._cron_send_upcoming_notices(today=date(2026, 12, 30))
        )
        self.assertEqual(len(self._customer_mails(standing, "next order")), 1)

    def test_upcoming_order_notice_in_the_customers_language(self):
        """The notice gives the day the order is placed (moved off the
        weekend), written as the customer's language writes dates."""
        self.env["res.lang"]._activate_lang("de_DE")
        self.customer.lang = "de_DE"
        self.company.autosales_date_shift = "next"
        standing = self._create_standing_order(start_date=date(2027, 1, 2))
        self.StandingOrder._cron_send_upcoming_notices(today=date(2027, 1, 1))
        mail = self._customer_mails(standing, standing.name)
        self.assertEqual(len(mail), 1)
        self.assertIn("04.01.2027", mail.subject)
        self.assertIn("04.01.2027", mail.body)

    def test_paused_standing_order_gets_no_upcoming_notice(self):
        standing = self._create_standing_order()
        standing.action_pause()
        self.assertFalse(
            self.StandingOrder._cron_send_upcoming_notices(today=date(2026, 12, 30))
        )

    def test_failing_confirmation_email_does_not_block_the_order(self):
        standing = self._create_standing_order()

        def broken_mail(orders):
            raise UserError("Unable to find Wkhtmltopdf on this system.")  # pylint: disable=translation-required

        with patch.object(
            type(self.SaleOrder), "_send_order_confirmation_mail", broken_mail
        ):
            order = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        self.assertEqual(order.state, "sale")
        self.assertEqual(standing.state, "active")
        self.assertTrue(
            any(
                "could not be sent" in (body or "")
                for body in order.message_ids.mapped("body")
            )
        )

    def test_failing_shipping_confirmation_does_not_block_the_delivery(self):
        self.company.stock_move_email_validation = False
        broken = self.env.ref("stock.mail_template_data_delivery_confirmation").copy(
            {"body_html": "<p><t t-out='object.no_such_field'/></p>"}
        )
        self.company.stock_mail_confirmation_template_id = broken
        self._create_standing_order()
        order = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        picking = order.picking_ids
        picking.move_ids.quantity = 1000
        picking.move_ids.picked = True
        with mute_logger("odoo.addons.autosales_addon.models.stock_picking"):
            picking.button_validate()
        self.assertEqual(picking.state, "done", "the goods left the warehouse")
        self.assertTrue(
            any(
                "could not be sent" in (body or "")
                for body in picking.message_ids.mapped("body")
            ),
            "the failure is noted on the delivery",
        )

    def test_confirmation_email_carries_a_real_pdf(self):
        """The PDF is rendered by wkhtmltopdf, as on a real server (not the
        HTML that Odoo renders instead in tests)."""
        self._create_standing_order()
        order = self.StandingOrder.with_context(
            force_report_rendering=True
        )._generate_due_orders(until=date(2027, 1, 1))
        (mail,) = self._customer_mails(order, order.name)
        (pdf,) = mail.attachment_ids
        self.assertEqual(pdf.mimetype, "application/pdf")
        self.assertTrue(pdf.raw.startswith(b"%PDF-"), "a real PDF document")
        pdftotext = shutil.which("pdftotext")
        self.assertTrue(pdftotext, "make test installs poppler-utils")
        text = subprocess.run(  # noqa: S603 - a fixed program on our own file
            [pdftotext, "-", "-"],
            input=pdf.raw,
            capture_output=True,
            check=True,
        ).stdout.decode()
        self.assertIn(order.name, text)
        self.assertIn("LED Light Bulb E27", text)

    def _pdf_text(self, pdf):
        return subprocess.run(  # noqa: S603 - a fixed program on our own file
            [shutil.which("pdftotext"), "-", "-"],
            input=pdf.raw,
            capture_output=True,
            check=True,
        ).stdout.decode()

    def _generate_three_with_pdfs(self, runs):
        for _index in range(3):
            self._create_standing_order()
        Report = type(self.env["ir.actions.report"])
        original = Report._run_wkhtmltopdf

        def run_wkhtmltopdf(report, bodies, *args, **kwargs):
            runs.append(len(bodies))
            return original(report, bodies, *args, **kwargs)

        with patch.object(Report, "_run_wkhtmltopdf", run_wkhtmltopdf):
            return self.StandingOrder.with_context(
                force_report_rendering=True
            )._generate_due_orders(until=date(2027, 1, 1))

    def _assert_own_pdfs(self, orders):
        for order in orders:
            (mail,) = self._customer_mails(order, order.name)
            (pdf,) = mail.attachment_ids
            text = self._pdf_text(pdf)
            self.assertIn(order.name, text)
            for other in orders - order:
                self.assertNotIn(other.name, text)

    def test_confirmation_pdfs_of_a_batch(self):
        """Each email carries the PDF of its own order; wkhtmltopdf renders
        the batch in one run where its build can (patched Qt)."""
        runs = []
        orders = self._generate_three_with_pdfs(runs)
        self.assertEqual(len(orders), 3)
        batches = self.env["ir.actions.report"]._autosales_can_render_batches()
        self.assertEqual(runs, [3] if batches else [1, 1, 1])
        self._assert_own_pdfs(orders)

    def test_confirmation_pdfs_rendered_together_are_each_emails_own(self):
        """The batch rendering, with a wkhtmltopdf that renders batches
        (simulated: one page per order, as Odoo splits them)."""
        Report = type(self.env["ir.actions.report"])
        original = Report._pre_render_qweb_pdf
        batches = []

        def pre_render(report, report_ref, res_ids=None, data=None):
            if res_ids and len(res_ids) > 1:
                batches.append(list(res_ids))
                return (
                    {
                        res_id: {
                            "stream": io.BytesIO(
                                original(report, report_ref, [res_id], data)[0][res_id][
                                    "stream"
                                ].getvalue()
                            ),
                            "attachment": None,
                        }
                        for res_id in res_ids
                    },
                    "pdf",
                )
            return original(report, report_ref, res_ids=res_ids, data=data)

        runs = []
        with (
            patch.object(Report, "_autosales_can_render_batches", lambda _self: True),
            patch.object(Report, "_pre_render_qweb_pdf", pre_render),
        ):
            orders = self._generate_three_with_pdfs(runs)
        self.assertEqual(batches, [orders.ids])
        # rendered once each for the batch, never again for the emails
        self.assertEqual(runs, [1, 1, 1])
        self._assert_own_pdfs(orders)

    def test_invoices_sent_together_each_with_its_pdf(self):
        """Odoo's scheduled action sends a batch of invoices with their PDFs:
        rendered in one run of wkhtmltopdf where its build can, one by one
        where it cannot (Debian's refuses several documents)."""
        for _index in range(2):
            self._create_standing_order(invoicing_mode="on_order")
        orders = self.StandingOrder._generate_due_orders(until=date(2027, 1, 1))
        invoices = orders.invoice_ids
        self.assertEqual(len(invoices), 2)
        self.env["account.move"].with_context(
            force_report_rendering=True
        )._cron_account_move_send()
        for invoice in invoices:
            self.assertTrue(invoice.is_move_sent)
            text = self._pdf_text(invoice.invoice_pdf_report_id)
            self.assertIn(invoice.name, text)
            for other in invoices - invoice:
                self.assertNotIn(other.name, text)

    def _validate_webshop_delivery(self):
        order = self.SaleOrder.create(
            {
                "partner_id": self.customer.id,
                "website_id": self.env.ref("website.default_website").id,
                "order_line": [
                    Command.create({"product_id": self.bulb.id, "product_uom_qty": 5})
                ],
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        picking.carrier_tracking_ref = "TRACK-4711"
        picking.move_ids.quantity = 5
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        return picking

    def test_webshop_order_gets_its_shipping_confirmation(self):
        self.company.stock_move_email_validation = False
        picking = self._validate_webshop_delivery()
        (mail,) = picking.message_ids.filtered(lambda m: self.customer in m.partner_ids)
        self.assertIn("TRACK-4711", mail.body, "with the tracking reference")

    def test_webshop_shipping_confirmation_can_be_turned_off(self):
        self.company.stock_move_email_validation = False
        self.company.autosales_webshop_shipping_email = False
        picking = self._validate_webshop_delivery()
        self.assertFalse(
            picking.message_ids.filtered(lambda m: self.customer in m.partner_ids)
        )
