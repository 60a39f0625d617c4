from . import autosales_recurrence_mixin
from . import res_company
from . import res_config_settings
from . import res_partner
from . import sale_standing_order
from . import sale_standing_order_line
from . import sale_order
from . import stock_picking
