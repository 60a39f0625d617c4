from . import test_smoke
from . import test_smoke_tour
from . import test_standing_order_schedule
from . import test_standing_order_payment
from . import test_standing_order_concurrency
from . import test_standing_order_access
from . import test_standing_order_notification
from . import test_portal
