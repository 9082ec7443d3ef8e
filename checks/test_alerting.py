"""Alert rules, routing and metric names, checked with the real tools: promtool
(rules syntax, rule unit tests, the live services' /metrics) and amtool (config,
routes). A missing tool fails with the reason (dev/stack installs them)."""
import shutil
import subprocess
import urllib.request

import pytest

from conftest import ROOT

RULES = ROOT / "deploy" / "prometheus" / "rules" / "plugin-telemetry.rules.yml"
ALERTMANAGER = ROOT / "deploy" / "alertmanager" / "alertmanager.yml"


def run(*args, stdin=None, cwd=None):
    tool = shutil.which(args[0])
    assert tool, f"{args[0]} not found: install prometheus / prometheus-alertmanager (dev/stack install)"
    out = subprocess.run([tool, *args[1:]], input=stdin, capture_output=True, text=True, cwd=cwd, timeout=60)
    assert out.returncode == 0, f"{' '.join(args)}:\n{out.stdout}\n{out.stderr}"
    return out.stdout


def test_rules_are_valid():
    assert "SUCCESS" in run("promtool", "check", "rules", str(RULES))


def test_rules_behave_as_their_unit_tests_say():
    assert "SUCCESS" in run("promtool", "test", "rules", "rules.test.yml", cwd=ROOT / "checks" / "alerting")


def test_the_compose_prometheus_config_is_valid():
    run("promtool", "check", "config", str(ROOT / "deploy" / "prometheus" / "prometheus.yml"))


def test_alertmanager_config_is_valid():
    assert "SUCCESS" in run("amtool", "check-config", str(ALERTMANAGER))


@pytest.mark.parametrize("labels,receivers", [
    (["severity=page", "alertname=PluginHighErrorRate"], "oncall"),
    (["severity=warning", "alertname=PluginOutdatedHigh"], "team-slack,team-email"),
    (["alertname=Unlabelled"], "team-slack"),
])
def test_alerts_route_by_severity(labels, receivers):
    out = run("amtool", "config", "routes", "test", f"--config.file={ALERTMANAGER}", *labels)
    assert out.strip() == receivers


@pytest.mark.parametrize("service,url", [
    ("ingest", "http://127.0.0.1:9100/metrics"),
    ("aggregator", "http://127.0.0.1:9101/metrics"),
    ("alerter", "http://127.0.0.1:9102/metrics"),
])
def test_live_metrics_pass_promtool(service, url):
    try:
        text = urllib.request.urlopen(url, timeout=10).read().decode()
    except OSError as e:
        pytest.fail(f"{service} /metrics unreachable at {url} ({e}): start it with dev/services up")
    run("promtool", "check", "metrics", stdin=text)
