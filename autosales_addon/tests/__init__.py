from . import test_standing_order_schedule
from . import test_standing_order_payment
