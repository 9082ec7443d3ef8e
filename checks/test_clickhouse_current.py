"""Every ClickHouse migration and the queries the code runs are valid on a current
ClickHouse engine too (chdb embeds one), not only on the 18.16 server of the tests."""
import uuid

import pytest
from chdb import session

from conftest import ROOT, clickhouse_statements

MIGRATIONS = sorted((ROOT / "migrations" / "clickhouse").glob("*.sql"))


@pytest.fixture(scope="module")
def ch():
    s = session.Session()
    for statement in clickhouse_statements():
        s.query(statement)
    yield s
    s.close()


def test_there_are_migrations():
    assert MIGRATIONS, "no ClickHouse migrations found"


def test_migrations_are_idempotent(ch):
    # Applying again must succeed: ClickHouse DDL is not transactional, so migrate
    # re-runs a half-applied file whole.
    for statement in clickhouse_statements():
        ch.query(statement)


def test_a_replayed_heartbeat_collapses_under_final(ch):
    event, installation, merchant = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    row = (
        f"('{event}', '2026-11-29 10:00:00', 1795946400000, '2026-11-29 10:00:00', 0, '{merchant}', '{installation}', 0,"
        " 'woocommerce', '6.4', '1.3.5', 1, 'php', '8.2', 'shop.example', 'production',"
        " 100, 2.5, '', '{}', 3, 17)"
    )
    for _ in range(2):  # the same record written twice (a replay)
        ch.query(f"INSERT INTO plugin_telemetry.heartbeats VALUES {row}")
    count = ch.query(
        f"SELECT count() FROM plugin_telemetry.heartbeats FINAL WHERE merchant_id = toUUID('{merchant}')"
    )
    assert str(count).strip() == "1"
