"""Every example of docs/analysts.md runs, and returns the documented result on the
test fleet (current engine, via chdb), and runs on the live ClickHouse 18.16 of the
native stack."""
import os
import re
import urllib.error
import urllib.request

import pytest
from chdb import session

from conftest import ROOT, clickhouse_statements
import analysts_fleet

DOC = (ROOT / "docs" / "analysts.md").read_text()
EXAMPLES = re.findall(r"### (\d+)\. .*?```sql\n(.*?)```.*?```text\n(.*?)```", DOC, re.S)
LIVE = os.environ.get("CLICKHOUSE_URL", "http://127.0.0.1:8123")


@pytest.fixture(scope="module")
def fleet():
    s = session.Session()
    for statement in clickhouse_statements():
        s.query(statement)
    s.query("INSERT INTO plugin_telemetry.heartbeats VALUES " + ", ".join(analysts_fleet.heartbeat_rows()))
    s.query("INSERT INTO plugin_telemetry.events VALUES " + ", ".join(analysts_fleet.event_rows()))
    for statement in analysts_fleet.parts_inserts():
        s.query(statement)
    yield s
    s.close()


def test_the_guide_has_at_least_ten_examples():
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("number,sql,expected", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_example_returns_the_documented_result(fleet, number, sql, expected):
    got = str(fleet.query(analysts_fleet.at_t(sql), "TabSeparated")).strip()
    assert got == expected.strip(), f"example {number}"


@pytest.mark.parametrize("number,sql,expected", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_example_runs_on_the_live_clickhouse(number, sql, expected):
    request = urllib.request.Request(LIVE + "/", data=sql.encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
    except urllib.error.HTTPError as e:
        pytest.fail(f"example {number} fails on the live ClickHouse: {e.read().decode()[:500]}")
    except urllib.error.URLError as e:
        pytest.fail(f"live ClickHouse unreachable at {LIVE} ({e}): start it with dev/stack up")
