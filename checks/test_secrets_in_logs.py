"""No secret or personal data in logs or metrics. Runs after the whole suite (dev/test
runs pytest last), so the logs hold a full run: every API key, ops token and webhook
secret the tests used has a recognisable shape, and every e-mail address and phone
number the tests gave is in PostgreSQL (the only place it may be)."""
import os
import pathlib
import re
import subprocess
import urllib.request

import pytest

from conftest import ROOT

STATE = pathlib.Path(os.environ.get("STATE_DIR", ROOT / ".state"))
DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://telemetry:telemetry@127.0.0.1:5432/plugin_telemetry")
SHAPES = {
    "merchant API key": re.compile(r"ptk_[A-Za-z0-9]{32}"),
    "ops agent token": re.compile(r"pto_[A-Za-z0-9]{32}"),
    "webhook secret": re.compile(r"whsec_[A-Za-z0-9_]{8,}"),
    "bearer header": re.compile(r"(?i)authorization:\s*bearer\s+\S+"),
}
METRICS = ["http://127.0.0.1:9100/metrics", "http://127.0.0.1:9101/metrics", "http://127.0.0.1:9102/metrics"]


def logs():
    found = [p for p in (STATE / "log").glob("*.log")]
    found += [p for p in [STATE / "smtp/smtp.log", STATE / "prometheus/prometheus.log",
                          STATE / "alertmanager/alertmanager.log"] if p.exists()]
    assert found, f"no logs under {STATE}: run after dev/test's services"
    return found


def personal_data():
    out = subprocess.run(
        ["psql", DATABASE_URL, "-At", "-c",
         "SELECT email FROM merchants WHERE email IS NOT NULL UNION SELECT sms_phone FROM notification_preferences WHERE sms_phone IS NOT NULL"],
        capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, f"psql failed: {out.stderr}"
    return {v for v in out.stdout.split() if v}


@pytest.mark.parametrize("path", logs(), ids=lambda p: p.name)
def test_no_secret_in_log(path):
    text = path.read_text(errors="replace")
    for what, shape in SHAPES.items():
        m = shape.search(text)
        assert not m, f"{path.name} contains a {what}: …{text[max(0, m.start() - 80):m.end()]}"
    for value in personal_data():
        assert value not in text, f"{path.name} contains personal data ({value[:3]}…)"


@pytest.mark.parametrize("url", METRICS)
def test_no_secret_or_personal_data_in_metrics(url):
    try:
        text = urllib.request.urlopen(url, timeout=10).read().decode()
    except OSError as e:
        raise AssertionError(f"{url} unreachable ({e}): the services must be running") from None
    for what, shape in SHAPES.items():
        assert not shape.search(text), f"{url} exposes a {what}"
    for value in personal_data():
        assert value not in text, f"{url} exposes personal data"
    # No label carries an installation, merchant or key id: UUIDs never appear.
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", text), f"{url} has a per-entity label"
