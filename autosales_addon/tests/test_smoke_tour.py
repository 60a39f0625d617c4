from odoo.tests import HttpCase, tagged

# Also written in static/tests/tours/autosales_smoke_tour.js.
PRODUCT_NAME = "AutoSales Smoke Test Bulb"


@tagged("post_install", "-at_install")
class TestSmokeTour(HttpCase):
    """The webshop works in a real browser with the add-on installed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["product.template"].create(
            {
                "name": PRODUCT_NAME,
                "list_price": 4.5,
                "sale_ok": True,
                "is_published": True,
            }
        )

    def test_shop_lists_published_product(self):
        self.start_tour("/shop", "autosales_smoke_tour")
