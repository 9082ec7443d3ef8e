"""The Grafana dashboards, proven against live data (Grafana itself is not installable
here): each dashboard's structure is checked (unique panel ids, datasources that the
provisioning defines, template variables that are defined), then the simulator fills
the native stack and EVERY panel query runs against the live Prometheus, ClickHouse
and PostgreSQL with the template variables and Grafana macros substituted, and must
return data of the shape its panel draws. ClickHouse queries are also checked on a
current engine (chdb)."""
import json
import os
import re
import subprocess
import time
import urllib.parse
import urllib.request

import pytest
import yaml
from chdb import session

from conftest import ROOT, clickhouse_statements

BOARDS = {p.stem: json.loads(p.read_text()) for p in sorted((ROOT / "dashboards").glob("*.json"))}
PROVISIONED = yaml.safe_load((ROOT / "dashboards/provisioning/datasources/datasources.yml").read_text())["datasources"]
PROMETHEUS = os.environ.get("PROMETHEUS_URL", "http://127.0.0.1:9090")
CLICKHOUSE = os.environ.get("CLICKHOUSE_URL", "http://127.0.0.1:8123")
DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://telemetry:telemetry@127.0.0.1:5432/plugin_telemetry")
BIN_DIR = os.environ.get("BIN_DIR") or os.path.join(
    os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/plugin-telemetry/target")), "debug")
BUILTIN = re.compile(r"^__")


def panels():
    for board, d in BOARDS.items():
        for p in d["panels"]:
            yield board, p


def test_the_three_dashboards_exist():
    assert set(BOARDS) == {"fleet-overview", "drilldown", "pipeline-health"}


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_structure(board):
    d = BOARDS[board]
    ids = [p["id"] for p in d["panels"]]
    assert len(ids) == len(set(ids)), f"duplicate panel ids in {board}"
    uids = {(ds["uid"], ds["type"]) for ds in PROVISIONED}
    defined = {v["name"] for v in d["templating"]["list"]}
    for p in d["panels"]:
        assert p["targets"], f"{board}: panel {p['title']} has no query"
        for t in [p, *p["targets"]]:
            ds = t["datasource"]
            assert (ds["uid"], ds["type"]) in uids, f"{board}/{p['title']}: datasource {ds} is not provisioned"
        for t in p["targets"]:
            text = t.get("expr") or t.get("rawSql")
            used = set(re.findall(r"\$\{?(\w+)", text)) - {u for u in re.findall(r"\$\{?(\w+)", text) if BUILTIN.match(u)}
            assert used <= defined, f"{board}/{p['title']}: undefined variables {used - defined}"
    for v in d["templating"]["list"]:
        used = set(re.findall(r"\$\{?(\w+)", v["query"]))
        earlier = {w["name"] for w in d["templating"]["list"][: d["templating"]["list"].index(v)]}
        assert used <= earlier, f"{board}: variable {v['name']} uses {used - earlier} before it is defined"


def test_alert_rules_link_to_a_dashboard_panel():
    rules = yaml.safe_load((ROOT / "deploy/prometheus/rules/plugin-telemetry.rules.yml").read_text())
    for group in rules["groups"]:
        for r in group["rules"]:
            if "alert" not in r:
                continue
            link = r["annotations"].get("dashboard", "")
            m = re.search(r"/d/([\w-]+)\?viewPanel=(\d+)", link)
            assert m, f"{r['alert']} has no dashboard panel link"
            uid, panel = m.group(1), int(m.group(2))
            board = next((d for d in BOARDS.values() if d["uid"] == uid), None)
            assert board and any(p["id"] == panel for p in board["panels"]), f"{r['alert']}: {link} names no panel"


# ---------------------------------------------------------------- live data

def http_json(url, data=None):
    try:
        with urllib.request.urlopen(url, data=data, timeout=60) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as e:
        raise AssertionError(f"{url}: HTTP {e.code}: {e.read().decode()[:500]}") from None
    except OSError as e:
        raise AssertionError(f"{url} unreachable ({e}): start the stack with dev/test or dev/up") from None


def clickhouse(sql):
    return http_json(f"{CLICKHOUSE}/?database=plugin_telemetry", (sql + "\nFORMAT JSON").encode())


def postgres(sql):
    out = subprocess.run(["psql", DATABASE_URL, "-v", "ON_ERROR_STOP=1", "--csv", "-c", sql],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, f"psql failed: {out.stderr}"
    lines = out.stdout.strip().splitlines()
    return lines[0].split(","), lines[1:]


def prometheus_range(expr, start, end):
    q = urllib.parse.urlencode({"query": expr, "start": start, "end": end, "step": 15})
    return http_json(f"{PROMETHEUS}/api/v1/query_range?{q}")


@pytest.fixture(scope="module")
def live():
    """Fills the stack with a simulated fleet (heartbeats and error events), waits
    until Prometheus has rates and ClickHouse has windows, and picks the variables'
    values: an installation of that fleet with error events, with a toggle set."""
    http_json(f"{PROMETHEUS}/api/v1/status/buildinfo")
    ptctl = os.path.join(BIN_DIR, "ptctl")
    assert os.access(ptctl, os.X_OK), f"{ptctl} not built (cargo build --workspace --bins)"
    started = time.time()
    sim = subprocess.run([ptctl, "simulate", "--merchants", "2", "--installations", "60", "--rate", "40",
                          "--duration-secs", "15", "--legacy-share", "0"], capture_output=True, text=True, timeout=120)
    assert sim.returncode == 0, f"simulator failed: {sim.stderr}"
    deadline = time.time() + 90
    pick = None
    while time.time() < deadline:
        rows = clickhouse(
            "SELECT p.cms AS cms, p.plugin_version AS version, toString(p.installation_id) AS installation\n"
            "FROM error_rate_1m_parts AS p ANY INNER JOIN\n"
            "  (SELECT installation_id FROM error_codes_1m_parts WHERE window_start >= toDateTime(%d) - 120) AS c\n"
            "  USING installation_id\n"
            "WHERE p.window_start >= toDateTime(%d) - 120\n"
            # Only this simulation's installations: the bench smoke run just before
            # leaves thousands of recent installations of the same versions, and the
            # drilldown's variable offers the 500 most recent of a version only.
            "  AND p.installation_id IN (SELECT installation_id FROM heartbeats WHERE received_at >= toDateTime(%d))\n"
            "LIMIT 1" % (started, started, started))["data"]
        rates = prometheus_range("sum(rate(ingest_heartbeats_accepted_total[5m]))", time.time() - 60, time.time())
        if rows and rates["data"]["result"] and time.time() - started > 35:
            pick = rows[0]
            break
        time.sleep(2)
    assert pick, "the simulated fleet never reached ClickHouse windows and Prometheus rates"
    toggle = subprocess.run([ptctl, "toggle", "set", "--key", "enable_debug", "--scope", "installation",
                             "--installation", pick["installation"], "--reason", "dashboard verification",
                             "--expires-in-hours", "1"], capture_output=True, text=True, timeout=60)
    assert toggle.returncode == 0, f"toggle set failed: {toggle.stderr}"
    return pick


def substitute(text, values, start, end):
    text = re.sub(r"\$__timeFilter\((\w+)\)", lambda m: f"{m.group(1)} >= toDateTime({start}) AND {m.group(1)} <= toDateTime({end})", text)
    text = text.replace("$__fromTime", f"toDateTime({start})").replace("$__toTime", f"toDateTime({end})")
    for k, v in values.items():
        text = text.replace("${%s}" % k, v).replace("$" + k, v)
    return text


def window(board):
    hours = {"now-24h": 24, "now-6h": 6}[BOARDS[board]["time"]["from"]]
    end = int(time.time())
    return end - hours * 3600, end


@pytest.mark.parametrize("board", ["drilldown"])
def test_template_variables_offer_the_simulated_fleet(live, board):
    values = {}
    for v in BOARDS[board]["templating"]["list"]:
        got = [next(iter(r.values())) for r in clickhouse(substitute(v["query"], values, *window(board)))["data"]]
        assert live[v["name"]] in got, f"variable {v['name']} does not offer {live[v['name']]}"
        values[v["name"]] = live[v["name"]]


PANELS = [(b, p) for b, p in panels()]


@pytest.mark.parametrize("board,panel", PANELS, ids=[f"{b}:{p['id']}:{p['title']}" for b, p in PANELS])
def test_every_panel_query_returns_data_of_its_shape(live, board, panel):
    start, end = window(board)
    for t in panel["targets"]:
        kind = t["datasource"]["type"]
        if kind == "prometheus":
            r = prometheus_range(substitute(t["expr"], live, start, end), end - 3600, end)
            assert r["status"] == "success"
            series = r["data"]["result"]
            assert r["data"]["resultType"] == "matrix" and series, f"no series for {t['expr']}"
            assert all(s["values"] for s in series)
        elif kind == "grafana-clickhouse-datasource":
            r = clickhouse(substitute(t["rawSql"], live, start, end))
            names = [m["name"] for m in r["meta"]]
            assert r["data"], f"no rows for {panel['title']} ({t['refId']})"
            if t["format"] == 1:  # time series: time first, then numbers (and at most one label column)
                assert names[0] == "time", names
                numeric = [m for m in r["meta"][1:] if re.match(r"(Nullable\()?(U?Int|Float|Decimal)", m["type"])]
                assert numeric and len(r["meta"]) - 1 - len(numeric) <= 1, r["meta"]
        else:
            columns, rows = postgres(substitute(t["rawSql"], live, start, end))
            assert columns, panel["title"]
            if "Notification" in panel["title"] or "Toggles" in panel["title"]:
                assert rows, f"no rows for {panel['title']}"


def test_clickhouse_panel_queries_are_valid_on_a_current_engine():
    s = session.Session()
    for statement in clickhouse_statements():
        s.query(statement)
    values = {"cms": "woocommerce", "version": "1.3.5", "installation": "00000000-0000-0000-0000-000000000001"}
    for board, d in BOARDS.items():
        queries = [t["rawSql"] for p in d["panels"] for t in p["targets"] if t["datasource"]["uid"] == "clickhouse"]
        queries += [v["query"] for v in d["templating"]["list"]]
        for q in queries:
            assert "FROM plugin_telemetry." in q, f"{board}: tables must be qualified: {q}"
            s.query(substitute(q, values, 1795900000, 1795986400))
    s.close()
