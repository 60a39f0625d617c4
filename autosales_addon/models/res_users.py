import pytz

from odoo import api, fields, models
from odoo.modules import module as odoo_module
from odoo.tools import format_date

# Local hour from which the daily briefing of a user is sent.
BRIEFING_HOUR = 7


class ResUsers(models.Model):
    _inherit = "res.users"

    autosales_daily_briefing = fields.Boolean(
        string="Daily Briefing",
        help="Receive each morning (in your time zone) an email with your reminders "
        "due today and what needs your attention. No email on days with nothing.",
    )
    autosales_briefing_date = fields.Date(
        string="Last Daily Briefing",
        copy=False,
        readonly=True,
        help="Day, in the user's time zone, of the last daily briefing prepared "
        "for this user (sent when there was something to say).",
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + ["autosales_daily_briefing"]

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return super().SELF_WRITEABLE_FIELDS + ["autosales_daily_briefing"]

    # === BUSINESS METHODS === #

    def _autosales_get_local_now(self, now):
        """``now`` (naive UTC) in this user's time zone (else their company's)."""
        self.ensure_one()
        tz = self.tz or self.company_id._autosales_get_tz()
        return pytz.utc.localize(now).astimezone(pytz.timezone(tz))

    def _autosales_get_briefing_values(self, today):
        """What the daily briefing of this user says on ``today``: their open
        reminders due by then, and their needs-attention items, each with a
        link to its document, in the user's language.

        :return: dict, with empty lists when there is nothing to say
        """
        self.ensure_one()
        env = self.with_context(lang=self.lang or self.env.lang).env
        base_url = self.get_base_url()

        def link(model, res_id):
            return f"{base_url}/mail/view?model={model}&res_id={res_id}"

        companies = [False, *self.company_ids.ids]
        logs = (
            env["autosales.reminder.log"]
            .sudo()
            .search(
                [
                    ("state", "=", "open"),
                    ("company_id", "in", companies),
                    ("activity_id.user_id", "=", self.id),
                    ("activity_id.date_deadline", "<=", today),
                ]
            )
        )
        activities = logs.activity_id.sorted(lambda a: (a.date_deadline, a.id))
        reminders = [
            {
                "summary": activity.summary or activity.activity_type_id.name,
                "document": activity.res_name,
                "deadline": format_date(env, activity.date_deadline),
                "overdue": activity.date_deadline < today,
                "url": link(activity.res_model, activity.res_id),
            }
            for activity in activities
        ]
        items = (
            env["autosales.attention"]
            .sudo()
            .search(
                [
                    ("user_id", "=", self.id),
                    ("company_id", "in", self.company_ids.ids),
                ],
                order="reason, since, id",
            )
        )
        reasons = dict(items._fields["reason"]._description_selection(env))
        attention = []
        for item in items:
            document = item.sale_order_id or item.standing_order_id or item.partner_id
            attention.append(
                {
                    "reason": reasons[item.reason],
                    "document": document.display_name,
                    "description": item.description,
                    "since": format_date(env, item.since),
                    "url": link(document._name, document.id),
                }
            )
        return {
            "date": format_date(env, today),
            "reminders": reminders,
            "items": attention,
            "attention_url": f"{base_url}/odoo/action-"
            "autosales_addon.action_server_autosales_attention",
        }

    def _autosales_send_briefing(self, today):
        """Queue the daily briefing of this user for ``today``; False (and no
        email) when it has nothing to say."""
        self.ensure_one()
        values = self._autosales_get_briefing_values(today)
        if not values["reminders"] and not values["items"]:
            return False
        template = self.env.ref("autosales_addon.mail_template_daily_briefing")
        template.with_context(autosales_briefing=values).send_mail(
            self.id, email_layout_xmlid="mail.mail_notification_light"
        )
        return True

    # === CRON METHODS === #

    @api.model
    def _cron_autosales_send_briefings(self, now=None):
        """Scheduled action (hourly): send the users who asked for it their
        daily briefing once their morning has come, once a day.

        :param datetime now: the reference time (naive UTC, default: now)
        :return: the users who were sent a briefing
        """
        now = now or fields.Datetime.now()
        due = {}
        for user in self.search(
            [("autosales_daily_briefing", "=", True), ("share", "=", False)]
        ):
            local = user._autosales_get_local_now(now)
            today = local.date()
            if local.hour < BRIEFING_HOUR or (
                user.autosales_briefing_date and user.autosales_briefing_date >= today
            ):
                continue
            due[user] = today
        sent = self.browse()
        if not due:
            return sent
        # Fresh items: what was fixed yesterday evening is not reported.
        self.env["autosales.attention"]._sync_items(
            companies=self.browse([user.id for user in due]).company_ids
        )
        self._autosales_commit()
        for index, (user, today) in enumerate(due.items(), start=1):
            if user._autosales_send_briefing(today):
                sent |= user
            # Written with the email: a rerun never sends a second one.
            user.autosales_briefing_date = today
            self._autosales_commit()
            self.env["ir.cron"]._notify_progress(done=index, remaining=len(due) - index)
        return sent

    def _autosales_commit(self):
        if not odoo_module.current_test:
            self.env.cr.commit()  # pylint: disable=invalid-commit
