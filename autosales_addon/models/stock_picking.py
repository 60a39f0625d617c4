from odoo import fields, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    # The "after delivery" reminder rules look for recently validated deliveries.
    date_done = fields.Datetime(index="btree_not_null")

    def _send_confirmation_email(self):
        """Always send the shipping confirmation of standing-order deliveries.

        Odoo sends it only when the company enabled delivery confirmation
        emails; customers of standing orders rely on it to know their recurring
        order left the warehouse.
        """
        res = super()._send_confirmation_email()
        subtype_id = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment")
        for picking in self.filtered(
            lambda p: p.picking_type_id.code == "outgoing"
            and not p.company_id.stock_move_email_validation
            and p.sale_id.standing_order_id
        ):
            template = (
                picking.company_id.stock_mail_confirmation_template_id
                or self.env.ref(
                    "stock.mail_template_data_delivery_confirmation",
                    raise_if_not_found=False,
                )
            )
            if template:
                picking.with_context(force_send=True).message_post_with_source(
                    template,
                    email_layout_xmlid="mail.mail_notification_light",
                    subtype_id=subtype_id,
                )
        return res
