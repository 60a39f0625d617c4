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

    def _autosales_prefetch_reservation(self):
        """Read at once what reserving ``self`` reads move by move.

        The generation reserves a batch's moves after committing the batch,
        when the cache is empty: Odoo's reservation then reads each move's
        order line, chained moves, analytic lines and delivery with one
        query per move (their prefetch covers one move). Reading them for
        the whole set first gives the same records in a few queries.
        """
        self.fetch(
            [
                name
                for name in ("move_dest_ids", "analytic_account_line_ids")
                if name in self._fields
            ]
        )
        # Reading one field of a set fetches all its prefetched fields.
        self.sale_line_id.mapped("state")
        self.picking_id.mapped("state")
