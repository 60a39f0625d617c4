import logging

from odoo import fields, models

from .sale_standing_order_generation import RETRYABLE_ERRORS

_logger = logging.getLogger(__name__)


class StockPicking(models.Model):
    _inherit = "stock.picking"

    # The "after delivery" reminder rules look for recently validated deliveries.
    date_done = fields.Datetime(index="btree_not_null")

    def _send_confirmation_email(self):
        """Send the shipping confirmations, and those of webshop and
        standing-order deliveries even where Odoo's are off.

        Odoo sends them only when the company enabled delivery confirmation
        emails; webshop customers and customers of standing orders rely on
        it to know their order left the warehouse (a company setting, on by
        default). An email that cannot be sent
        (a template that fails, no PDF engine) never blocks nor undoes the
        validation of a delivery: it is noted on the delivery instead.
        """
        try:
            with self.env.cr.savepoint():
                res = super()._send_confirmation_email()
        except RETRYABLE_ERRORS:
            raise
        except Exception as error:  # noqa: BLE001 - noted on the deliveries
            self._autosales_note_mail_failure(error)
            res = None
        subtype_id = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment")
        for picking in self.filtered(
            lambda p: p.picking_type_id.code == "outgoing"
            and not p.company_id.stock_move_email_validation
            and p.company_id.autosales_webshop_shipping_email
            and (p.sale_id.standing_order_id or p.sale_id.website_id)
        ):
            template = (
                picking.company_id.stock_mail_confirmation_template_id
                or self.env.ref(
                    "stock.mail_template_data_delivery_confirmation",
                    raise_if_not_found=False,
                )
            )
            if not template:
                continue
            try:
                with self.env.cr.savepoint():
                    picking.with_context(force_send=True).message_post_with_source(
                        template,
                        email_layout_xmlid="mail.mail_notification_light",
                        subtype_id=subtype_id,
                    )
            except RETRYABLE_ERRORS:
                raise
            except Exception as error:  # noqa: BLE001 - noted on the delivery
                picking._autosales_note_mail_failure(error)
        return res

    def _autosales_note_mail_failure(self, error):
        for picking in self:
            _logger.warning(
                "Shipping confirmation of %s could not be sent: %s", picking.name, error
            )
            picking.message_post(
                body=self.env._(
                    "The shipping confirmation email could not be sent: %s",
                    error.args[0] if error.args else error.__class__.__name__,
                ),
                subtype_xmlid="mail.mt_note",
            )
