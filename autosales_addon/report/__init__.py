from . import sale_standing_order_forecast
