from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_assign(self, force_qty=False):
        """Leave the reservation of stock to later when generating in batches.

        Reserving updates the stock quants, which every worker generating
        orders of the same products updates too: in REPEATABLE READ, a
        reservation another worker committed during a batch fails the whole
        batch with a serialization error, again and again under load. With
        ``autosales_defer_reservation`` in the context, moves that need stock
        are left confirmed; the generation reserves them right after
        committing the batch, in short transactions of their own
        (``sale.standing.order._reserve_generated_orders``).
        """
        if not self.env.context.get("autosales_defer_reservation"):
            return super()._action_assign(force_qty=force_qty)
        bypass = self.filtered(lambda move: move._should_bypass_reservation())
        return super(StockMove, bypass)._action_assign(force_qty=force_qty)
