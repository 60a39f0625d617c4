import contextlib
import io
import logging
import subprocess

from odoo import api, models, tools

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

from .sale_standing_order_generation import RETRYABLE_ERRORS

_logger = logging.getLogger(__name__)

# Key of the cursor cache holding PDFs rendered ahead: {report id: {res id: bytes}}.
PRERENDERED_PDFS = "autosales_prerendered_pdfs"


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    @api.model
    @tools.ormcache()
    def _autosales_get_wkhtmltopdf_version(self):
        """What ``wkhtmltopdf --version`` says, or "" when it does not run."""
        binary = _get_wkhtmltopdf_bin()
        if not binary:
            return ""
        try:
            return subprocess.run(  # noqa: S603 - the configured wkhtmltopdf
                [binary, "--version"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return ""

    @api.model
    def _autosales_can_render_batches(self):
        """Whether wkhtmltopdf renders several documents in one run: only its
        builds with patched Qt do."""
        return "patched qt" in self._autosales_get_wkhtmltopdf_version().lower()

    def _render_qweb_pdf_prepare_streams(self, report_ref, data, res_ids=None):
        """Render one document per run of a wkhtmltopdf without patched Qt
        (Debian's package, for one), which refuses several: Odoo renders
        several at once when its scheduled action sends a batch of invoices,
        or a user prints several records."""
        if (
            res_ids
            and len(res_ids) > 1
            and self._autosales_get_wkhtmltopdf_version()
            and not self._autosales_can_render_batches()
        ):
            streams = {}
            for res_id in res_ids:
                streams.update(
                    super()._render_qweb_pdf_prepare_streams(
                        report_ref, data, res_ids=[res_id]
                    )
                )
            return streams
        return super()._render_qweb_pdf_prepare_streams(
            report_ref, data, res_ids=res_ids
        )

    def _pre_render_qweb_pdf(self, report_ref, res_ids=None, data=None):
        """Serve the PDFs rendered ahead by :meth:`_autosales_prerender_pdfs`."""
        prerendered = self.env.cr.cache.get(PRERENDERED_PDFS)
        if prerendered and res_ids and not (data or {}).get("report_type") == "html":
            pdfs = prerendered.get(self._get_report(report_ref).id, {})
            if all(res_id in pdfs for res_id in res_ids):
                streams = {
                    res_id: {"stream": io.BytesIO(pdfs[res_id]), "attachment": None}
                    for res_id in res_ids
                }
                return streams, "pdf"
        return super()._pre_render_qweb_pdf(report_ref, res_ids=res_ids, data=data)

    @contextlib.contextmanager
    def _autosales_prerender_pdfs(self, report, res_ids):
        """Render ``report`` for all of ``res_ids`` in one run of wkhtmltopdf
        (one document per record, split as Odoo splits them); within the
        block, rendering it for any of them serves that document.

        wkhtmltopdf starts a browser engine for each run, which costs more
        than the pages: a batch of orders' confirmation PDFs costs little more
        than one. It takes the wkhtmltopdf build Odoo recommends (with patched
        Qt): other builds render one document per run. When the document
        cannot be split per record, or rendering fails, each is rendered on
        its own as usual.
        """
        pdfs = {}
        if len(res_ids) > 1 and self._autosales_can_render_batches():
            try:
                streams, report_type = self._pre_render_qweb_pdf(
                    report, res_ids=res_ids, data={"report_type": "pdf"}
                )
                if report_type == "pdf":
                    pdfs = {
                        res_id: values["stream"].getvalue()
                        for res_id, values in streams.items()
                        if res_id and values.get("stream")
                    }
            except RETRYABLE_ERRORS:
                raise
            except Exception:  # noqa: BLE001 - rendered one by one instead
                _logger.info("Rendering %s in one batch failed", report.report_name)
        cache = self.env.cr.cache.setdefault(PRERENDERED_PDFS, {})
        cache.setdefault(report.id, {}).update(pdfs)
        try:
            yield
        finally:
            for res_id in pdfs:
                cache[report.id].pop(res_id, None)
