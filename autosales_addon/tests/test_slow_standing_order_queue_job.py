import unittest
from datetime import date

from odoo.tests import tagged

from ..models.sale_standing_order_generation import QUEUE_JOB_CHANNEL, QUEUE_JOB_PARAM
from .common import AutosalesCommon


@tagged("post_install", "-at_install")
class TestStandingOrderQueueJob(AutosalesCommon):
    """Generation fanned out over OCA queue_job, when it is installed (make
    test-slow installs it; make test, without it, skips these tests)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "queue.job" not in cls.env:
            raise unittest.SkipTest("OCA queue_job is not installed")
        cls.env["ir.config_parameter"].set_param(QUEUE_JOB_PARAM, "True")

    def _generation_jobs(self):
        return self.env["queue.job"].search(
            [
                ("model_name", "=", "sale.standing.order"),
                ("method_name", "=", "_job_generate_orders"),
            ]
        )

    def _perform(self, jobs):
        from odoo.addons.queue_job.job import Job  # noqa: PLC0415 - optional module

        for job in jobs:
            Job.load(self.env, job.uuid).perform()

    def test_scheduled_action_enqueues_one_job_per_batch_once(self):
        standing_orders = self.StandingOrder
        for index in range(5):
            standing_orders |= self._create_standing_order(
                partner_id=(self.customer, self.other_customer)[index % 2].id
            )
        day = date(2027, 1, 1)
        self.assertEqual(
            self.StandingOrder._cron_generate_orders(until=day, batch_size=2), 0
        )
        jobs = self._generation_jobs()
        self.assertEqual(len(jobs), 3, "one job per batch of 2")
        self.assertEqual(set(jobs.mapped("channel")), {QUEUE_JOB_CHANNEL})
        self.assertFalse(standing_orders.order_ids, "the jobs generate, not the action")
        # The next run, before the jobs ran, enqueues nothing more.
        self.StandingOrder._cron_generate_orders(until=day, batch_size=2)
        self.assertEqual(self._generation_jobs(), jobs)

        self._perform(jobs)
        self.assertEqual(len(standing_orders.order_ids), 5)
        self.assertEqual(set(standing_orders.order_ids.mapped("state")), {"sale"})
        # A job that runs twice (as after a crash of its worker) adds nothing.
        self._perform(jobs)
        self.assertEqual(len(standing_orders.order_ids), 5)

    def test_without_the_setting_generation_stays_in_process(self):
        self.env["ir.config_parameter"].set_param(QUEUE_JOB_PARAM, "False")
        standing = self._create_standing_order()
        done = self.StandingOrder._cron_generate_orders(until=date(2027, 1, 1))
        self.assertEqual(done, 1)
        self.assertEqual(len(standing.order_ids), 1)
        self.assertFalse(self._generation_jobs())
