import os
import subprocess
import tempfile
import unittest
from pathlib import Path

import odoo
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name
from odoo.tools import config

SLOW = "AUTOSALES_SLOW_TESTS"
ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 30 * 60


@tagged("post_install", "-at_install")
@unittest.skipUnless(os.environ.get(SLOW), f"run by make test-slow ({SLOW}=1)")
class TestBootstrap(BaseCase):
    """What `make run` and `make test` do on a machine whose python3 has no
    Odoo: install Odoo 18 into a virtual environment, from the source tree
    given by ODOO_SOURCE (here, the one this test runs on), then run the
    add-on with it."""

    def _run(self, command, **kwargs):
        result = subprocess.run(  # noqa: S603 - our own scripts and venv
            command, capture_output=True, text=True, timeout=TIMEOUT, **kwargs
        )
        self.assertEqual(
            result.returncode,
            0,
            f"{command[:3]} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}",
        )
        return result

    def test_bootstrap_installs_odoo_into_a_venv_that_runs_the_addon(self):
        source = Path(odoo.__file__).resolve().parents[1]
        self.assertTrue((source / "odoo" / "release.py").is_file(), source)
        with tempfile.TemporaryDirectory(prefix="autosales-bootstrap-") as tmp:
            venv = Path(tmp) / "venv"
            result = self._run(
                ["bash", str(ROOT / "tools" / "bootstrap_odoo.sh"), str(venv)],
                env={**os.environ, "ODOO_SOURCE": str(source)},
            )
            self.assertIn("Odoo 18.0 installed into", result.stderr)
            python = str(venv / "bin" / "python")
            version = self._run([python, "-m", "odoo", "--version"])
            self.assertIn("Odoo Server 18.0", version.stdout)
            # The venv's Odoo installs the add-on into a database of its own.
            database = f"{get_db_name()}_bootstrap"
            conf = Path(tmp) / "odoo.conf"
            conf.write_text(
                "[options]\n"
                f"addons_path = {ROOT},{source / 'odoo' / 'addons'}\n"
                f"data_dir = {Path(tmp) / 'data'}\n"
                + "".join(
                    f"{key} = {config[key]}\n"
                    for key in ("db_host", "db_port", "db_user", "db_password")
                ),
                encoding="utf-8",
            )
            try:
                log = Path(tmp) / "install.log"
                self._run(
                    [
                        python,
                        "-m",
                        "odoo",
                        "--config",
                        str(conf),
                        "--database",
                        database,
                        "--init",
                        "autosales_addon",
                        "--without-demo=all",
                        "--stop-after-init",
                        "--logfile",
                        str(log),
                    ]
                )
                text = log.read_text(encoding="utf-8")
                self.assertNotIn(" ERROR ", text)
                self.assertIn("Modules loaded.", text)
            finally:
                subprocess.run(  # noqa: S603 - odoo's own command
                    [
                        python,
                        "-m",
                        "odoo",
                        "db",
                        "--config",
                        str(conf),
                        "drop",
                        database,
                    ],
                    capture_output=True,
                    timeout=300,
                    check=False,
                )
