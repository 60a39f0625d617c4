from . import sale_standing_order_forecast
from . import stock_forecasted
