"""make screenshots: the main screens of the add-on as PNG files, for review.

Signs in to the server of ``make run`` as its demo users (admin, demo,
portal) in headless Chromium and saves one numbered PNG per screen in the
folder given as argument (default ``$AUTOSALES_SCREENSHOTS``, else
``.run/screenshots``), printing each path. Every screen is tried; the failed
ones are listed at the end and make the exit status 1.

The server is ``$AUTOSALES_URL``, by default http://localhost:8069 (or the
port in ``$AUTOSALES_HTTP_PORT``). The browser is ``$CHROMIUM``, by default
the system's Chromium. Only the portal user's cart changes (one LED bulb pack,
repeated every 2 months): the webshop screens stop at the payment step,
without ordering.
"""

import glob
import json
import os
import shutil
import sys
import urllib.error
import urllib.request

from playwright.sync_api import sync_playwright

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
URL = os.environ.get(
    "AUTOSALES_URL",
    "http://localhost:%s" % os.environ.get("AUTOSALES_HTTP_PORT", "8069"),
).rstrip("/")
PASSWORDS = {"admin": "admin", "demo": "demo", "portal": "portal"}
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 375, "height": 812}
# Records of the demo data the screens show, by XML id.
RECORDS = {
    "light_bulbs": "autosales_addon.standing_order_light_bulbs",
    "portal_cloths": "autosales_addon.standing_order_portal_cloths",
    "azure_interior": "base.res_partner_12",
}
STANDING_ORDERS = "/odoo/action-autosales_addon.action_sale_standing_order"
CUSTOMERS_TO_CONTACT = (
    "/odoo/action-autosales_addon.action_autosales_customers_to_contact"
)

SCREENS = []


def screen(name, login, phone=False):
    """Register a function opening a screen, shot as ``NN-name.png`` by
    ``login`` in a desktop browser, or a phone's."""

    def register(function):
        SCREENS.append((name, login, phone, function))
        return function

    return register


# === BROWSER === #


class Session:
    """A browser tab signed in as ``login``, which knows when the requests of
    its page are done."""

    def __init__(self, browser, login, phone=False):
        context = browser.new_context(
            viewport=PHONE if phone else DESKTOP, is_mobile=phone, has_touch=phone
        )
        # Nothing but the server: web fonts and the like would never load here.
        context.route(lambda url: not url.startswith(URL), lambda route: route.abort())
        self.page = context.new_page()
        self.pending = set()
        self.page.on("request", lambda request: self.pending.add(request))
        for event in ("requestfinished", "requestfailed"):
            self.page.on(event, lambda request: self.pending.discard(request))
        self.page.goto(URL + "/web/login")
        self.page.fill("input[name=login]", login)
        self.page.fill("input[name=password]", PASSWORDS[login])
        self.page.click("form.oe_login_form button[type=submit]")
        self.wait_idle()
        if "/web/login" in self.page.url:
            raise RuntimeError(f"cannot sign in as {login}")

    def wait_idle(self, timeout=30):
        """Wait until no request has been pending for half a second. The
        script of the bus's shared worker never ends as a request: ignored."""
        quiet = 0
        for _ in range(timeout * 10):
            busy = any("/bus/websocket_worker" not in r.url for r in self.pending)
            quiet = 0 if busy else quiet + 1
            if quiet == 5:
                return
            self.page.wait_for_timeout(100)
        raise RuntimeError(f"{self.page.url} still loading after {timeout} s")

    def goto(self, path):
        """Open ``path``; an HTTP error or the login page is a failure."""
        response = self.page.goto(URL + path)
        if response and response.status >= 400:
            raise RuntimeError(f"{path} answered HTTP {response.status}")
        if "/web/login" in self.page.url:
            raise RuntimeError(f"{path} redirected to the login page")
        self.wait_idle()

    def open_backend(self, path):
        """Open a backend URL and wait until its view is rendered."""
        self.goto(path)
        self.page.wait_for_selector(".o_action_manager .o_view_controller")
        self.wait_idle()

    def click(self, selector, text=None):
        self.page.locator(selector, has_text=text).first.click()
        self.wait_idle()

    def record_ids(self):
        """Database ids of RECORDS, read with the signed-in user's rights."""
        xmlids = {name: tuple(xmlid.split(".")) for name, xmlid in RECORDS.items()}
        domain = ["|"] * (len(xmlids) - 1)
        for module, name in xmlids.values():
            domain += ["&", ("module", "=", module), ("name", "=", name)]
        response = self.page.request.post(
            URL + "/web/dataset/call_kw",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "params": {
                        "model": "ir.model.data",
                        "method": "search_read",
                        "args": [domain, ["module", "name", "res_id"]],
                        "kwargs": {},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        body = response.json()
        if "error" in body:
            raise RuntimeError(body["error"]["data"]["message"])
        rows = body["result"]
        res_ids = {(row["module"], row["name"]): row["res_id"] for row in rows}
        missing = [xmlid for xmlid in xmlids.values() if xmlid not in res_ids]
        if missing:
            raise RuntimeError(
                "demo record %s not found: the database has no demo data"
                % ".".join(missing[0])
            )
        return {name: res_ids[xmlid] for name, xmlid in xmlids.items()}

    def shoot(self, path):
        """Full-page screenshot. The backend scrolls inside its content area,
        which is first stretched so that all of it is on the picture."""
        page = self.page
        error = page.locator(".o_error_dialog")
        if error.count():
            raise RuntimeError(" ".join(error.first.inner_text().split()))
        viewport = page.viewport_size
        page.mouse.move(0, viewport["height"] - 1)
        width, height = page.evaluate(
            """() => {
                const content = document.querySelector(".o_action_manager .o_content");
                return content ? [
                    content.scrollWidth - content.clientWidth,
                    content.scrollHeight - content.clientHeight,
                ] : [0, 0];
            }"""
        )
        if width or height:
            page.set_viewport_size(
                {
                    "width": viewport["width"] + width,
                    "height": viewport["height"] + height,
                }
            )
        else:
            # The website's images load lazily, once scrolled to.
            page.evaluate(
                """async () => {
                    const bottom = document.body.scrollHeight;
                    for (let top = 0; top < bottom; top += innerHeight) {
                        scrollTo(0, top);
                        await new Promise(requestAnimationFrame);
                    }
                    scrollTo(0, 0);
                }"""
            )
        self.wait_idle()
        page.screenshot(path=path, full_page=True, animations="disabled")
        page.set_viewport_size(viewport)


# === BACKEND: ADMINISTRATOR === #


@screen("standing-orders", "admin")
def standing_orders(session, ids):
    session.open_backend(STANDING_ORDERS)
    # All standing orders, not only the administrator's own (default filter).
    session.click(".o_searchview_facet .o_facet_remove")


@screen("standing-order-form", "admin")
def standing_order_form(session, ids):
    session.open_backend(f"{STANDING_ORDERS}/{ids['light_bulbs']}")


@screen("forecast", "admin")
def forecast(session, ids):
    session.open_backend(
        "/odoo/action-autosales_addon.action_sale_standing_order_forecast"
    )


@screen("settings", "admin")
def settings(session, ids):
    session.open_backend("/odoo/action-sale.action_sale_config_settings")
    title = session.page.locator(".app_settings_block h2", has_text="Standing Orders")
    title.evaluate("title => title.scrollIntoView()")


@screen("interactions", "admin")
def interactions(session, ids):
    session.open_backend("/odoo/action-autosales_addon.action_autosales_interaction")


@screen("reminders", "admin")
def reminders(session, ids):
    session.open_backend("/odoo/action-autosales_addon.action_autosales_reminder_log")


# === BACKEND: SALESPERSON === #


@screen("salesperson-standing-order-form", "demo")
def salesperson_standing_order_form(session, ids):
    session.open_backend(f"{STANDING_ORDERS}/{ids['light_bulbs']}")


@screen("salesperson-customers-to-contact", "demo")
def customers_to_contact(session, ids):
    session.open_backend(CUSTOMERS_TO_CONTACT)


@screen("salesperson-customer-key-contacts", "demo")
def customer_key_contacts(session, ids):
    session.open_backend(f"{CUSTOMERS_TO_CONTACT}/{ids['azure_interior']}")
    session.click(".o_notebook .nav-link", "Key Contacts")


@screen("salesperson-customer-interactions", "demo")
def customer_interactions(session, ids):
    session.open_backend(f"{CUSTOMERS_TO_CONTACT}/{ids['azure_interior']}")
    session.click(".o_notebook .nav-link", "Interactions")


# === PORTAL === #


@screen("portal-home", "portal")
def portal_home(session, ids):
    session.goto("/my")


@screen("portal-standing-orders", "portal")
def portal_standing_orders(session, ids):
    session.goto("/my/standing-orders")


@screen("portal-standing-order", "portal")
def portal_standing_order(session, ids):
    session.goto(f"/my/standing-orders/{ids['portal_cloths']}")


@screen("portal-standing-order-phone", "portal", phone=True)
def portal_standing_order_phone(session, ids):
    session.goto(f"/my/standing-orders/{ids['portal_cloths']}")


# === WEBSHOP === #


@screen("shop", "portal")
def shop(session, ids):
    session.goto("/shop")


@screen("shop-product", "portal")
def shop_product(session, ids):
    session.goto("/shop?search=LED+Light+Bulb")
    session.click(".oe_product_cart a", "LED Light Bulb")
    session.page.wait_for_selector("#add_to_cart")


@screen("shop-cart-repeat", "portal")
def shop_cart(session, ids):
    session.goto("/shop/cart")
    # The cart of an earlier run is reused.
    if not session.page.locator("#autosales_repeat_form").count():
        shop_product(session, ids)
        session.click("#add_to_cart")
        session.goto("/shop/cart")
    # The choice is saved as it is clicked.
    session.click("#autosales_repeat_form label", "Every 2 months")
    session.page.wait_for_selector(".o_autosales_repeat_summary")


@screen("shop-checkout-address", "portal")
def shop_checkout(session, ids):
    session.goto("/shop/checkout")


@screen("shop-checkout-payment", "portal")
def shop_payment(session, ids):
    session.goto("/shop/confirm_order")
    session.page.wait_for_selector("#payment_method")


# === RUN === #


def chromium():
    names = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
    for name in (os.environ.get("CHROMIUM"), *names):
        path = name and shutil.which(name)
        if path:
            return path
    sys.exit("error: Chromium not found: install it, or set CHROMIUM to its path.")


def check_server():
    try:
        urllib.request.urlopen(URL + "/web/login", timeout=10)
    except (urllib.error.URLError, OSError) as error:
        sys.exit(
            f"error: no Odoo server answers at {URL} ({error}): start it with "
            "`make run` in another terminal (or set AUTOSALES_URL), then run "
            "`make screenshots` again."
        )


def take_screenshots(browser, out):
    """Shoot every screen into ``out``; return the names of those that failed."""
    admin = Session(browser, "admin")
    ids = admin.record_ids()
    sessions = {("admin", False): admin}
    failed = []
    for number, (name, login, phone, function) in enumerate(SCREENS, 1):
        path = os.path.join(out, f"{number:02d}-{name}.png")
        try:
            key = (login, phone)
            if key not in sessions:
                sessions[key] = Session(browser, login, phone)
            function(sessions[key], ids)
            sessions[key].shoot(path)
            sys.stdout.write(f"{path}\n")
        except Exception as error:  # noqa: BLE001 - one screen, not all
            failed.append(name)
            sys.stderr.write(f"FAILED {name}: {error}\n")
    return failed


def main():
    if len(sys.argv) > 1:
        out = sys.argv[1]
    else:
        out = os.environ.get(
            "AUTOSALES_SCREENSHOTS", os.path.join(ROOT, ".run", "screenshots")
        )
    out = os.path.abspath(out)
    check_server()
    os.makedirs(out, exist_ok=True)
    # No picture of an earlier run may pass for one of this run.
    for old in glob.glob(os.path.join(out, "[0-9][0-9]-*.png")):
        os.remove(old)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium())
        failed = take_screenshots(browser, out)
        browser.close()
    if failed:
        sys.exit(f"error: {len(failed)} screen(s) failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
