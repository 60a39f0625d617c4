import math

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.float_utils import float_repr
from odoo.tools.misc import formatLang

# Largest quantity of a product in one standing order: beyond, amounts lose
# their cents once lines and taxes add up.
MAX_QUANTITY = 10**9
# Fields of a line whose change moves the amount of its standing order.
PRICE_FIELDS = {"product_id", "product_uom_qty", "product_uom", "price_unit"}


class SaleStandingOrderLine(models.Model):
    _name = "sale.standing.order.line"
    _description = "Standing Order Line"
    _order = "standing_order_id, sequence, id"
    _check_company_auto = True

    standing_order_id = fields.Many2one(
        "sale.standing.order",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(
        related="standing_order_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="standing_order_id.currency_id")
    sequence = fields.Integer(default=10)
    product_id = fields.Many2one(
        "product.product",
        required=True,
        check_company=True,
        domain="[('sale_ok', '=', True)]",
    )
    name = fields.Text(
        string="Description",
        compute="_compute_name",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
    )
    product_uom_qty = fields.Float(
        string="Quantity",
        digits="Product Unit of Measure",
        default=1.0,
        required=True,
    )
    product_uom_category_id = fields.Many2one(related="product_id.uom_id.category_id")
    product_uom = fields.Many2one(
        "uom.uom",
        string="Unit of Measure",
        compute="_compute_product_uom",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        domain="[('category_id', '=', product_uom_category_id)]",
    )
    price_unit = fields.Float(
        string="Agreed Unit Price",
        digits="Product Price",
        help="A unit price agreed with the customer for every order of this "
        "standing order. Leave it at zero to take the pricelist price on the day "
        "each order is generated (shown as Unit Price).",
    )
    estimated_price_unit = fields.Float(
        string="Unit Price",
        compute="_compute_price_subtotal",
        compute_sudo=True,
        digits="Product Price",
    )
    price_subtotal = fields.Monetary(
        string="Subtotal",
        compute="_compute_price_subtotal",
        compute_sudo=True,
        currency_field="currency_id",
    )

    # === COMPUTE METHODS === #

    @api.depends("product_id")
    def _compute_name(self):
        for line in self:
            if line.product_id:
                partner = line.standing_order_id.partner_id
                line.name = line.product_id.with_context(
                    lang=partner.lang or self.env.lang
                ).get_product_multiline_description_sale()
            elif not line.name:
                line.name = False

    @api.depends("product_id")
    def _compute_product_uom(self):
        for line in self:
            if (
                not line.product_uom
                or line.product_id.uom_id.category_id != line.product_uom.category_id
            ):
                line.product_uom = line.product_id.uom_id

    @api.depends(
        "product_id",
        "product_uom",
        "product_uom_qty",
        "price_unit",
        "standing_order_id.pricelist_id",
    )
    def _compute_price_subtotal(self):
        today = fields.Date.context_today(self)
        for line in self:
            price = line.price_unit
            pricelist = line.standing_order_id.pricelist_id
            if not price and line.product_id:
                if pricelist:
                    price = pricelist._get_product_price(
                        line.product_id,
                        line.product_uom_qty or 1.0,
                        uom=line.product_uom,
                        date=today,
                    )
                else:
                    price = line.product_id.lst_price
            line.estimated_price_unit = price
            line.price_subtotal = price * line.product_uom_qty

    # === CONSTRAINT METHODS === #

    @api.constrains("product_uom_qty")
    def _check_product_uom_qty(self):
        for line in self:
            quantity = line.product_uom_qty
            if not math.isfinite(quantity) or not 0 < quantity <= MAX_QUANTITY:
                raise ValidationError(
                    self.env._(
                        "The quantity of %(product)s must be greater than zero and "
                        "at most %(max)s (standing order %(order)s).",
                        product=line.product_id.display_name,
                        max=formatLang(self.env, MAX_QUANTITY, digits=0),
                        order=line.standing_order_id.display_name,
                    )
                )

    @api.constrains("product_id")
    def _check_product_is_a_good(self):
        for line in self:
            if line.product_id.type == "service":
                raise ValidationError(
                    self.env._(
                        "%s is a service: a standing order repeats deliveries of "
                        "goods.",
                        line.product_id.display_name,
                    )
                )

    @api.constrains("price_unit")
    def _check_price_unit(self):
        for line in self:
            if line.price_unit < 0:
                raise ValidationError(
                    self.env._(
                        "The fixed unit price of %s cannot be negative.",
                        line.product_id.display_name,
                    )
                )

    # === BUSINESS METHODS === #

    def _get_display_quantity(self):
        """The quantity in the user's number format, without trailing zeros
        (``1,000`` or ``2.5``, not ``1000.0``)."""
        self.ensure_one()
        return self._format_quantity(self.product_uom_qty)

    @api.model
    def _format_quantity(self, quantity):
        """``quantity`` in the user's number format, without trailing zeros."""
        digits = self.env["decimal.precision"].precision_get("Product Unit of Measure")
        text = formatLang(self.env, quantity, digits=digits)
        decimal_point = (
            self.env["res.lang"]._get_data(code=self.env.lang or "en_US").decimal_point
        )
        if decimal_point and decimal_point in text:
            text = text.rstrip("0").rstrip(decimal_point)
        return text

    def _get_input_quantity(self):
        """The quantity as a number input holds it (``1000``, ``2.5``)."""
        self.ensure_one()
        return self._format_input_quantity(self.product_uom_qty)

    @api.model
    def _format_input_quantity(self, quantity):
        """``quantity`` as a number input holds it (``1000``, ``2.5``)."""
        digits = self.env["decimal.precision"].precision_get("Product Unit of Measure")
        text = float_repr(quantity, digits)
        return text.rstrip("0").rstrip(".") if "." in text else text

    def _prepare_order_line_values(self):
        """Values of the ``sale.order.line`` generated from this line."""
        self.ensure_one()
        values = {
            "product_id": self.product_id.id,
            "name": self.name,
            "product_uom_qty": self.product_uom_qty,
            "product_uom": self.product_uom.id,
            "sequence": self.sequence,
            "standing_order_line_id": self.id,
        }
        if self.price_unit:
            values["price_unit"] = self.price_unit
        return values

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.standing_order_id._record_revenue_events()
        return lines

    def write(self, vals):
        old_quantities = (
            {line: line.product_uom_qty for line in self}
            if "product_uom_qty" in vals
            else {}
        )
        res = super().write(vals)
        if PRICE_FIELDS & vals.keys():
            self.standing_order_id._record_revenue_events()
        for line, old_quantity in old_quantities.items():
            if (
                line.product_uom_qty != old_quantity
                and line.standing_order_id.state != "draft"
            ):
                line.standing_order_id._notify_change(
                    self.env._(
                        "Quantity of %(product)s changed from %(old)s to %(new)s.",
                        product=line.product_id.display_name,
                        old=line._format_quantity(old_quantity),
                        new=line._get_display_quantity(),
                    )
                )
        return res

    def unlink(self):
        standing_orders = self.standing_order_id
        res = super().unlink()
        standing_orders.exists()._record_revenue_events()
        return res
