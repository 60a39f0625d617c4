from . import autosales_interaction_log_wizard
