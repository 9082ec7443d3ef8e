"""The WordPress test shop (dev/wordpress) is a real one: the site answers over HTTP with
pretty URLs, the admin logs in and reaches the Plugins screen, a plugin copied into the
plugins folder is activated through `dev/wordpress php` with its activation hook run,
wp-cron.php runs what is due, and deactivation leaves no error in WP_DEBUG_LOG.

Assumes `dev/wordpress up` has run; when WordPress is not answering every test fails
with that reason (it never skips). Everything it learns about the site (URL, plugins
folder, debug log) it asks dev/wordpress, so STATE_DIR and the ports may be changed."""
import http.cookiejar
import json
import os
import pathlib
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from conftest import ROOT

WP = str(ROOT / "dev" / "wordpress")
STATE = pathlib.Path(os.environ.get("STATE_DIR", ROOT / ".state"))
ADMIN = os.environ.get("WP_ADMIN_USER", "admin")
PROBE = "pt-fixture-probe"
PROBE_FILE = f"{PROBE}/{PROBE}.php"
PROBE_OPTIONS = ("pt_fixture_probe_activated", "pt_fixture_probe_deactivated", "pt_fixture_probe_cron_ran")
PROBE_SOURCE = r"""<?php
/**
 * Plugin Name: PT fixture probe
 * Description: Written by checks/test_wordpress.py: its hooks leave traces in options.
 * Version: 1.0.0
 */
register_activation_hook(__FILE__, function () {
    update_option('pt_fixture_probe_activated', time());
    wp_schedule_single_event(time() - 1, 'pt_fixture_probe_tick');
});
register_deactivation_hook(__FILE__, function () {
    update_option('pt_fixture_probe_deactivated', time());
    wp_clear_scheduled_hook('pt_fixture_probe_tick');
});
add_action('pt_fixture_probe_tick', function () {
    update_option('pt_fixture_probe_cron_ran', time());
});
"""
# What PHP and wpdb write to the debug log when something went wrong.
ERROR_LINE = re.compile(r"PHP (Fatal error|Parse error|Warning|Notice|Deprecated|Recoverable)|WordPress database error")


def run(*args: str, stdin: str | None = None) -> str:
    out = subprocess.run([WP, *args], input=stdin, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, f"dev/wordpress {' '.join(args)} failed ({out.returncode}): {out.stderr}{out.stdout}"
    return out.stdout


def php(code: str, user: str | None = None) -> str:
    """Runs PHP inside the site (wp-load.php and the plugin API loaded)."""
    return run("php", *(["--user", user] if user else []), "-", stdin=code)


def get(url: str, opener=None, data: dict | None = None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    resp = (opener or urllib.request.build_opener()).open(url, data=body, timeout=30)
    return resp.status, resp.geturl(), resp.read().decode(errors="replace")


@pytest.fixture(scope="module")
def base() -> str:
    url = run("url").strip()
    try:
        urllib.request.urlopen(url + "/", timeout=10).read()
    except OSError as e:
        reason = f"WordPress is not answering at {url}/ ({e}): start it with dev/wordpress up"
    else:
        return url
    pytest.fail(reason)


@pytest.fixture(scope="module")
def admin(base):
    """An opener holding the admin's login cookies, from wp-login.php's form."""
    password = (STATE / "wordpress" / "admin-password").read_text().strip()
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    get(f"{base}/wp-login.php", opener)  # sets wordpress_test_cookie, as a browser would get it
    status, final, body = get(f"{base}/wp-login.php", opener, {
        "log": ADMIN, "pwd": password, "wp-submit": "Log In", "redirect_to": f"{base}/wp-admin/", "testcookie": "1"})
    names = {c.name for c in jar}
    assert any(n.startswith("wordpress_logged_in_") for n in names), \
        f"wp-login.php did not log {ADMIN} in (cookies: {sorted(names)}; landed on {final}): {body[:300]}"
    assert status == 200 and final.rstrip("/").endswith("/wp-admin"), f"login landed on {final} ({status})"
    return opener


@pytest.fixture
def probe(base):
    """The probe plugin copied into the plugins folder and activated; removed afterwards."""
    plugins = pathlib.Path(run("plugins-dir").strip())
    assert plugins.is_dir(), f"{plugins} (dev/wordpress plugins-dir) is not a folder"
    remove_probe(plugins)
    (plugins / PROBE).mkdir()
    (plugins / PROBE_FILE).write_text(PROBE_SOURCE)
    state = json.loads(php(f"""<?php
        $r = activate_plugin('{PROBE_FILE}');
        if (is_wp_error($r)) {{ fwrite(STDERR, $r->get_error_message()); exit(1); }}
        echo json_encode(['active' => is_plugin_active('{PROBE_FILE}'),
                          'activated' => get_option('pt_fixture_probe_activated')]);
    """))
    yield state
    remove_probe(plugins)


def remove_probe(plugins: pathlib.Path):
    options = ", ".join(f"'{o}'" for o in PROBE_OPTIONS)
    php(f"""<?php
        if (is_plugin_active('{PROBE_FILE}')) deactivate_plugins('{PROBE_FILE}');
        wp_clear_scheduled_hook('pt_fixture_probe_tick');
        foreach ([{options}] as $o) delete_option($o);
    """)
    shutil.rmtree(plugins / PROBE, ignore_errors=True)


def test_home_page_and_a_pretty_url_answer(base):
    status, _, body = get(f"{base}/")
    assert status == 200
    assert "wp-content/themes/twentytwentythree" in body or "wp-block" in body, f"home page is not a themed page: {body[:300]}"
    # wp_install() creates "Sample Page"; /%postname%/ permalinks go through the router to index.php.
    status, final, body = get(f"{base}/sample-page/")
    assert status == 200 and final == f"{base}/sample-page/", f"{final} ({status})"
    assert "Sample Page" in body


def test_admin_logs_in_and_reaches_the_plugins_screen(base, admin):
    status, final, body = get(f"{base}/wp-admin/plugins.php", admin)
    assert status == 200 and final == f"{base}/wp-admin/plugins.php", f"plugins.php sent the admin to {final} ({status})"
    assert "<title>Plugins" in body, body[:300]


def test_a_copied_plugin_activates_and_its_hook_runs(base, admin, probe):
    assert probe["active"] is True, probe
    assert int(probe["activated"]) > time.time() - 300, f"activation hook did not run: {probe}"
    # A separate PHP process (and the web server) see the same state.
    assert php(f"<?php echo get_option('pt_fixture_probe_activated');").strip() == str(probe["activated"])
    _, _, body = get(f"{base}/wp-admin/plugins.php", admin)
    assert f'data-plugin="{PROBE_FILE}"' in body, "the Plugins screen does not list the probe"
    assert "action=deactivate&amp;plugin=" + urllib.parse.quote(PROBE_FILE, safe="") in body, \
        "the Plugins screen does not show the probe as active"


def test_wp_cron_answers_and_runs_a_due_event(base, probe):
    # A cron run spawned by an earlier page load may hold the lock for a moment: ask again.
    deadline = time.time() + 60
    while True:
        status, _, _ = get(f"{base}/wp-cron.php")
        assert status == 200
        ran = php("<?php echo (int) get_option('pt_fixture_probe_cron_ran');").strip()
        if ran != "0":
            break
        assert time.time() < deadline, "wp-cron.php answered but never ran the probe's due event"
        time.sleep(1)


def test_deactivation_leaves_no_error_in_the_debug_log(base, admin, probe):
    debug_log = pathlib.Path(php("<?php echo WP_DEBUG_LOG;").strip())
    offset = debug_log.stat().st_size if debug_log.exists() else 0
    state = json.loads(php(f"""<?php
        deactivate_plugins('{PROBE_FILE}');
        echo json_encode(['active' => is_plugin_active('{PROBE_FILE}'),
                          'deactivated' => get_option('pt_fixture_probe_deactivated')]);
    """, user=ADMIN))
    assert state["active"] is False and state["deactivated"], f"deactivation hook did not run: {state}"
    # The Plugins screen, loaded after it, is part of what deactivation must leave clean.
    get(f"{base}/wp-admin/plugins.php", admin)
    written = ""
    if debug_log.exists():
        with debug_log.open(errors="replace") as f:
            f.seek(offset)
            written = f.read()
    errors = [line for line in written.splitlines() if ERROR_LINE.search(line)]
    assert not errors, f"{debug_log} got errors during deactivation:\n" + "\n".join(errors[:20])
