from collections import defaultdict
from datetime import datetime, time, timedelta

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError
from odoo.osv import expression
from odoo.tools import float_compare, format_date

# The standing orders whose demand counts against the stock: the running
# ones, and those in exception (stopped by a problem, not by the customer,
# they run again once it is solved). Paused ones are in the forecast, apart.
SHORTFALL_STATES = ("active", "exception")
# Stock moves Odoo counts in a product's forecasted quantity.
PLANNED_MOVE_STATES = ("waiting", "confirmed", "assigned", "partially_available")


class AutosalesStockShortfall(models.Model):
    """A product the standing orders will run short of in a warehouse.

    One row per product and warehouse: the first day on which the standing
    orders (running, or in exception) need more of the product, counted
    from today, than the warehouse will have that day. What the warehouse
    will have is Odoo's forecasted quantity on that day: on hand, plus the
    planned receipts, less the planned deliveries (among them those of the
    orders the standing orders already generated, which therefore are not
    counted twice) up to that day.

    The daily scheduled action refreshes the rows (``_refresh_shortfalls``):
    a shortfall that no longer exists is deleted, with its open activity.
    The product's responsible user gets one activity per shortfall once it
    starts within the company's *Stock Shortfall Warning* days. Other
    features read the current shortfalls with ``_get_due_shortfalls``.
    """

    _name = "autosales.stock.shortfall"
    _description = "Standing Order Stock Shortfall"
    _order = "date, id"
    _rec_name = "product_id"
    _check_company_auto = True
    _sql_constraints = [
        (
            "product_warehouse_uniq",
            "UNIQUE(product_id, warehouse_id)",
            "A product has one shortfall per warehouse.",
        ),
    ]

    product_id = fields.Many2one(
        "product.product", required=True, readonly=True, ondelete="cascade"
    )
    product_tmpl_id = fields.Many2one(
        related="product_id.product_tmpl_id", string="Product Template", store=True
    )
    product_uom_id = fields.Many2one(
        related="product_id.uom_id", string="Unit of Measure"
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    date = fields.Date(
        string="Short From",
        required=True,
        readonly=True,
        help="First order day on which the standing orders need more than the "
        "warehouse will have.",
    )
    quantity = fields.Float(
        string="Quantity Short",
        digits="Product Unit of Measure",
        readonly=True,
        help="What the standing orders need by that day and the warehouse will not "
        "have, in the product's unit of measure.",
    )
    demand_qty = fields.Float(
        string="Standing Order Demand",
        digits="Product Unit of Measure",
        readonly=True,
        help="What the standing orders need from today up to that day, their "
        "orders not generated yet included.",
    )
    available_qty = fields.Float(
        string="Forecasted Stock",
        digits="Product Unit of Measure",
        readonly=True,
        help="What the warehouse will have that day: on hand, plus the planned "
        "receipts, less the planned deliveries (of the orders already generated, "
        "among others).",
    )
    standing_order_ids = fields.Many2many(
        "sale.standing.order",
        string="Standing Orders Short",
        readonly=True,
        help="The standing orders with an order of the product on that day or later.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        readonly=True,
        help="Who is told: the product's responsible, else the salesperson of the "
        "first standing order short.",
    )
    activity_id = fields.Many2one("mail.activity", readonly=True, ondelete="set null")
    activity_date = fields.Date(
        string="Warned On",
        readonly=True,
        help="Day the responsible got an activity for this shortfall; it is not "
        "planned again, even once done, while the shortfall lasts.",
    )

    # === ACTION METHODS === #

    def action_refresh(self):
        """Check the stock against the forecast now (sales managers)."""
        if not self.env.user.has_group("sales_team.group_sale_manager"):
            raise AccessError(
                self.env._("Only sales managers can check the stock shortfalls.")
            )
        shortfalls = self.sudo()._refresh_shortfalls()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning" if shortfalls else "success",
                "message": self.env._(
                    "Stock checked: %s product(s) will run short.", len(shortfalls)
                )
                if shortfalls
                else self.env._("Stock checked: no product will run short."),
                # The list shows the new shortfalls.
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_view_forecast(self):
        """The forecast rows of this product in this warehouse that make the
        demand of the shortfall: running standing orders and those in
        exception (which may resume any day)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "autosales_addon.action_sale_standing_order_forecast"
        )
        action["domain"] = [
            ("product_id", "=", self.product_id.id),
            ("warehouse_id", "=", self.warehouse_id.id),
            ("state", "in", SHORTFALL_STATES),
        ]
        action["context"] = {}
        action["view_mode"] = "list,pivot,graph,calendar"
        action["views"] = [
            (False, view_type) for view_type in action["view_mode"].split(",")
        ]
        return action

    # === BUSINESS METHODS === #

    @api.model
    def _get_due_shortfalls(self, today=None, days=None):
        """The shortfalls starting within ``days`` days of ``today``.

        :param date today: default: today in each company's time zone
        :param int days: default: each company's *Stock Shortfall Warning*
            days (a company set to 0 has none)
        :return: ``autosales.stock.shortfall`` records, earliest first
        """
        domains = []
        for company, company_today in (
            self.env["res.company"]
            ._autosales_get_todays([("id", "in", self.env.companies.ids)])
            .items()
        ):
            window = company.autosales_shortfall_days if days is None else days
            if window:
                last = (today or company_today) + timedelta(days=window)
                domains.append([("company_id", "=", company.id), ("date", "<=", last)])
        return self.search(expression.OR(domains)) if domains else self.browse()

    def _filter_due(self, today=None):
        """These shortfalls that start within their company's *Stock
        Shortfall Warning* days of ``today`` (default: the company's)."""
        todays = {}

        def is_due(shortfall):
            company = shortfall.company_id
            if not company.autosales_shortfall_days:
                return False
            if company not in todays:
                todays[company] = today or company._autosales_get_today()
            window = timedelta(days=company.autosales_shortfall_days)
            return shortfall.date <= todays[company] + window

        return self.filtered(is_due)

    @api.model
    def _compute_shortfalls(self):
        """Compare the forecast demand with the forecasted stock of each
        storable product in each warehouse.

        :return: a list of values of shortfalls (product, warehouse, company,
            date, quantities, standing orders), one per product and warehouse
            short at some order day of the forecast
        """
        demand = self._get_forecast_demand()
        result = []
        for warehouse, products in demand["products"].items():
            timeline = self._get_stock_timeline(warehouse, products, demand["until"])
            for product in products:
                values = self._find_shortfall(
                    product,
                    warehouse,
                    demand["quantities"][warehouse, product],
                    timeline[product],
                )
                if values:
                    values["standing_order_ids"] = [
                        standing.id
                        for day, standing in demand["standing_orders"][
                            warehouse, product
                        ]
                        if day >= values["date"]
                    ]
                    result.append(values)
        return result

    @api.model
    def _get_forecast_demand(self):
        """The quantities the forecast standing orders order per storable
        product, warehouse and day.

        :return: a dict: ``products`` ({warehouse: products}), ``quantities``
            ({(warehouse, product): {day: quantity}}), ``standing_orders``
            ({(warehouse, product): [(day, standing order)]}) and ``until``
            (the last day)
        """
        Forecast = self.env["sale.standing.order.forecast"].sudo()
        Forecast.invalidate_model()
        groups = Forecast._read_group(
            [
                ("state", "in", SHORTFALL_STATES),
                ("warehouse_id", "!=", False),
                ("product_id.is_storable", "=", True),
            ],
            ["warehouse_id", "product_id", "date:day", "standing_order_id"],
            ["product_qty:sum"],
        )
        products = defaultdict(lambda: self.env["product.product"])
        quantities = defaultdict(lambda: defaultdict(float))
        standing_orders = defaultdict(list)
        until = fields.Date.context_today(self)
        for warehouse, product, day, standing, quantity in groups:
            day = fields.Date.to_date(day)
            products[warehouse] |= product
            quantities[warehouse, product][day] += quantity
            standing_orders[warehouse, product].append((day, standing))
            until = max(until, day)
        return {
            "products": products,
            "quantities": quantities,
            "standing_orders": standing_orders,
            "until": until,
        }

    @api.model
    def _get_stock_timeline(self, warehouse, products, until):
        """What ``warehouse`` has of ``products`` and will receive and
        deliver each day up to ``until``, as Odoo forecasts it (moves planned
        before today count today).

        :return: {product: (on hand, {day: receipts - deliveries})}
        """
        products = products.sudo().with_company(warehouse.company_id)
        products = products.with_context(warehouse_id=warehouse.id)
        _quant_domain, in_domain, out_domain = products._get_domain_locations()
        Move = self.env["stock.move"].sudo().with_context(active_test=False)
        domain = [
            ("product_id", "in", products.ids),
            ("state", "in", PLANNED_MOVE_STATES),
            ("date", "<=", datetime.combine(until, time.max)),
        ]
        changes = defaultdict(lambda: defaultdict(float))
        for location_domain, sign in ((in_domain, 1), (out_domain, -1)):
            for product, day, quantity in Move._read_group(
                domain + location_domain,
                ["product_id", "date:day"],
                ["product_qty:sum"],
            ):
                changes[product][fields.Date.to_date(day)] += sign * quantity
        return {
            product: (product.qty_available, changes[product]) for product in products
        }

    @api.model
    def _find_shortfall(self, product, warehouse, demand, timeline):
        """The first order day on which the cumulated ``demand`` ({day:
        quantity}) exceeds the forecasted stock of ``timeline`` (on hand,
        {day: change}).

        :return: the values of the shortfall, or ``None`` when there is none
        """
        on_hand, changes = timeline
        rounding = product.uom_id.rounding
        stock = on_hand
        needed = 0.0
        for day in sorted(demand.keys() | changes.keys()):
            stock += changes.get(day, 0.0)
            if day not in demand:
                continue
            needed += demand[day]
            available = max(stock, 0.0)
            if float_compare(needed, available, precision_rounding=rounding) > 0:
                return {
                    "product_id": product.id,
                    "warehouse_id": warehouse.id,
                    "company_id": warehouse.company_id.id,
                    "date": day,
                    "quantity": needed - available,
                    "demand_qty": needed,
                    "available_qty": stock,
                }
        return None

    @api.model
    def _refresh_shortfalls(self, today=None):
        """Replace the shortfalls by the current ones, keeping the row (and
        its activity) of a product and warehouse still short, then warn the
        responsible users of those due.

        :return: the current shortfalls
        """
        current = {
            (shortfall.product_id.id, shortfall.warehouse_id.id): shortfall
            for shortfall in self.search([])
        }
        kept = self.browse()
        to_create = []
        for values in self._compute_shortfalls():
            key = (values["product_id"], values["warehouse_id"])
            values["standing_order_ids"] = [(6, 0, values["standing_order_ids"])]
            if shortfall := current.pop(key, None):
                shortfall.write(values)
                kept |= shortfall
            else:
                to_create.append(values)
        gone = self.browse([shortfall.id for shortfall in current.values()])
        gone.activity_id.sudo().unlink()
        gone.unlink()
        shortfalls = kept | self.create(to_create)
        shortfalls._assign_responsible()
        shortfalls._update_activities()
        shortfalls._filter_due(today)._warn_responsible(today)
        return shortfalls

    def _assign_responsible(self):
        """The product's responsible in the shortfall's company, else the
        salesperson of the first standing order short. Products created by
        scripts or imports have the superuser as responsible: nobody reads
        its activities."""
        for shortfall in self:
            product = shortfall.product_id.with_company(shortfall.company_id)
            responsible = product.responsible_id
            if responsible.id == SUPERUSER_ID or not responsible.active:
                responsible = self.env["res.users"]
            first = shortfall.standing_order_ids.sorted("next_date")[:1]
            shortfall.user_id = responsible or first.user_id

    def _warn_responsible(self, today=None):
        """Plan an activity for the responsible of each shortfall not
        warned of yet."""
        activity_type = self.env.ref(
            "autosales_addon.mail_activity_type_stock_shortfall"
        )
        for shortfall in self.filtered(lambda s: not s.activity_date and s.user_id):
            day = today or shortfall.company_id._autosales_get_today()
            summary, note = shortfall._get_activity_texts()
            activity = (
                self.env["mail.activity"]
                .sudo()
                .create(
                    {
                        "activity_type_id": activity_type.id,
                        "res_model_id": self.env["ir.model"]._get_id(
                            "product.template"
                        ),
                        "res_id": shortfall.product_tmpl_id.id,
                        "user_id": shortfall.user_id.id,
                        "date_deadline": day,
                        "summary": summary,
                        "note": note,
                    }
                )
            )
            shortfall.write({"activity_id": activity.id, "activity_date": day})

    def _update_activities(self):
        """Keep the open activities' texts in line with their shortfalls."""
        for shortfall in self.filtered("activity_id"):
            summary, note = shortfall._get_activity_texts()
            if shortfall.activity_id.summary != summary:
                shortfall.activity_id.sudo().write({"summary": summary, "note": note})

    def _get_activity_texts(self):
        """Summary and note of the activity of this shortfall, in the
        language of its responsible."""
        self.ensure_one()
        env = self.with_context(lang=self.user_id.lang or self.env.lang).env
        quantity = env["sale.standing.order.line"]._format_quantity
        uom = self.product_uom_id.with_env(env).name
        summary = env._(
            "Short of %(quantity)s %(uom)s on %(date)s",
            quantity=quantity(self.quantity),
            uom=uom,
            date=format_date(env, self.date),
        )
        note = env._(
            "Standing orders need %(demand)s %(uom)s of %(product)s from %(warehouse)s "
            "by %(date)s; the warehouse will have %(available)s (on hand, plus "
            "receipts, less deliveries planned). Standing orders short: %(orders)s.",
            demand=quantity(self.demand_qty),
            uom=uom,
            product=self.product_id.display_name,
            warehouse=self.warehouse_id.display_name,
            date=format_date(env, self.date),
            available=quantity(self.available_qty),
            orders=", ".join(self.standing_order_ids.mapped("display_name")),
        )
        return summary, note

    # === CRON === #

    @api.model
    def _cron_refresh_shortfalls(self, today=None):
        """Daily: check the stock against the forecast and warn the
        responsible users of the shortfalls within their company's days."""
        self._refresh_shortfalls(today=today)
