from . import autosales_interaction_log_wizard
from . import sale_standing_order_cancel
