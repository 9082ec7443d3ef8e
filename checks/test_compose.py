"""docker-compose.yml stays true to the native stack (dev/stack, dev/services): same
versions, ports, credentials, topics and service settings. Docker cannot run here, so
this comparison is what keeps the two setups from drifting."""
import re

import pytest
import yaml

from conftest import ROOT, script_defaults

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
STACK = script_defaults(ROOT / "dev" / "stack")
DEV_SERVICES = script_defaults(ROOT / "dev" / "services")


def env(service: str) -> dict[str, str]:
    e = SERVICES[service].get("environment", {})
    return {k: str(v) for k, v in e.items()} if isinstance(e, dict) else dict(x.split("=", 1) for x in e)


def published(service: str) -> set[int]:
    ports = set()
    for p in SERVICES[service].get("ports", []):
        host = str(p).split(":")[-2] if ":" in str(p) else str(p)
        ports.add(int(host))
    return ports


def test_kafka_matches_the_native_broker():
    image, tag = SERVICES["kafka"]["image"].split(":")
    assert image == "apache/kafka"
    assert tag == STACK["KAFKA_VERSION"]
    pom = (ROOT / "dev" / "kafka" / "pom.xml").read_text()
    assert f"<kafka.version>{STACK['KAFKA_VERSION']}</kafka.version>" in pom
    assert int(STACK["KAFKA_PORT"]) in published("kafka")
    e = env("kafka")
    assert e["KAFKA_NUM_PARTITIONS"] == STACK["KAFKA_PARTITIONS"]
    assert f":{STACK['KAFKA_CONTROLLER_PORT']}" in e["KAFKA_CONTROLLER_QUORUM_VOTERS"]
    assert e["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"


def test_topics_are_the_same():
    init = " ".join(SERVICES["kafka-init"]["command"])
    topics = re.search(r"for t in (.*?); do", init).group(1).split()
    assert topics == STACK["KAFKA_TOPICS"].split()
    assert f"--partitions {STACK['KAFKA_PARTITIONS']}" in init


def test_postgres_matches():
    image, tag = SERVICES["postgres"]["image"].split(":")
    assert image == "postgres"
    major = re.search(r"/postgresql/(\d+)/", STACK["PG_BIN"]).group(1)
    assert tag.split(".")[0] == major
    e = env("postgres")
    assert (e["POSTGRES_USER"], e["POSTGRES_PASSWORD"], e["POSTGRES_DB"]) == (
        STACK["PG_USER"], STACK["PG_PASSWORD"], STACK["PG_DB"])
    assert int(STACK["PG_PORT"]) in published("postgres")


def test_clickhouse_ports_match():
    assert SERVICES["clickhouse"]["image"].startswith("clickhouse/clickhouse-server:")
    assert {int(STACK["CLICKHOUSE_HTTP_PORT"]), int(STACK["CLICKHOUSE_TCP_PORT"])} <= published("clickhouse")


@pytest.mark.parametrize("service", ["ingest", "aggregator", "alerter", "api"])
def test_product_services_point_at_the_same_stack(service):
    e = env(service)
    database = f"postgres://{STACK['PG_USER']}:{STACK['PG_PASSWORD']}@postgres:{STACK['PG_PORT']}/{STACK['PG_DB']}"
    assert e["DATABASE_URL"] == database
    assert e["LOG_FORMAT"] == "json"
    if service in ("ingest", "aggregator"):
        assert e["KAFKA_BROKERS"] == "kafka:29092"
    if service == "aggregator":
        assert e["CLICKHOUSE_URL"] == f"http://clickhouse:{STACK['CLICKHOUSE_HTTP_PORT']}"
    listen_var = f"{service.upper()}_LISTEN_ADDR"
    native_port = DEV_SERVICES[listen_var].split(":")[-1]
    assert e[listen_var] == f"0.0.0.0:{native_port}"
    assert int(native_port) in published(service)


def test_every_binary_is_built_by_the_dockerfile():
    dockerfile = (ROOT / "Dockerfile").read_text()
    for binary in ["ingest", "aggregator", "alerter", "api", "ptctl"]:
        assert f"/{binary} " in dockerfile or f"/{binary}\n" in dockerfile, binary
