from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    autosales_notice_days = fields.Integer(
        related="company_id.autosales_notice_days",
        readonly=False,
    )
    autosales_payment_retry_days = fields.Char(
        related="company_id.autosales_payment_retry_days",
        readonly=False,
    )
    autosales_webshop_shipping_email = fields.Boolean(
        related="company_id.autosales_webshop_shipping_email",
        readonly=False,
    )
    autosales_invoicing_mode = fields.Selection(
        related="company_id.autosales_invoicing_mode",
        readonly=False,
    )
    autosales_overdue_hold_days = fields.Integer(
        related="company_id.autosales_overdue_hold_days",
        readonly=False,
    )
    autosales_preview_days = fields.Integer(
        related="company_id.autosales_preview_days",
        readonly=False,
    )
    autosales_preview_policy = fields.Selection(
        related="company_id.autosales_preview_policy",
        readonly=False,
    )
    autosales_no_contact_days = fields.Integer(
        related="company_id.autosales_no_contact_days",
        readonly=False,
    )
    autosales_shortfall_days = fields.Integer(
        related="company_id.autosales_shortfall_days",
        readonly=False,
    )
    autosales_date_shift = fields.Selection(
        related="company_id.autosales_date_shift",
        readonly=False,
    )
    autosales_generation_queue_job = fields.Boolean(
        string="Generate Orders with the Job Queue",
        config_parameter="autosales_addon.generation_queue_job",
        help="Spread the generation of standing orders over OCA queue_job: the "
        "scheduled action enqueues one job per batch, run by every Odoo server "
        "with the job runner on this database. Needs the queue_job module.",
    )
    autosales_queue_job_installed = fields.Boolean(
        compute="_compute_autosales_queue_job_installed"
    )

    def _compute_autosales_queue_job_installed(self):
        self.autosales_queue_job_installed = "queue.job" in self.env
