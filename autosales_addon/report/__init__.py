from . import sale_standing_order_forecast
from . import sale_standing_order_revenue_report
from . import stock_forecasted
