from odoo.tools import SQL, sql

# Columns that held one value for all companies: the reorder prediction and
# the next contact are now each company's own (jsonb, keyed by company), and
# the next reminder date is computed per company. A date cannot be cast to
# jsonb, and nobody can tell which company a global value was meant for: the
# columns are dropped, and the post-migration computes every company's values.
GLOBAL_COLUMNS = (
    "autosales_reorder_date",
    "autosales_order_interval",
    "autosales_next_contact_date",
    "autosales_next_reminder_date",
)


def migrate(cr, version):
    columns = sql.table_columns(cr, "res_partner")
    for column in GLOBAL_COLUMNS:
        if column in columns and columns[column]["udt_name"] != "jsonb":
            cr.execute(
                SQL("ALTER TABLE res_partner DROP COLUMN %s", SQL.identifier(column))
            )
