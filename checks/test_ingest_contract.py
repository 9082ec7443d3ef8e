"""The plugin-facing contract as documented (clients/contract/ingest.openapi.json and the
JSON Schemas beside it) against what the live ingest really answers: every answer of a
heartbeat, event, config poll and the signing keys, the decoded signed payload, and the
error bodies validate; then schemathesis fuzzes the documented operations with a key of
this test's own merchant (--checks all) and finds no server error. Every request goes
to 127.0.0.1."""
import copy
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
import uuid

import jsonschema
import pytest
from referencing import Registry, Resource

from conftest import ROOT

INGEST = os.environ.get("INGEST_URL", "http://127.0.0.1:8080")
CONTRACT = ROOT / "clients" / "contract"


def load(path: pathlib.Path) -> dict:
    return json.loads(path.read_text())


OPENAPI = load(CONTRACT / "ingest.openapi.json")
ANSWER = load(CONTRACT / "answer.v1.json")
SIGNED = load(CONTRACT / "signed_payload.v1.json")
HEARTBEAT = load(ROOT / "schemas" / "json-schema" / "heartbeat.v1.json")
REGISTRY = Registry().with_resources(
    [(s["$id"], Resource.from_contents(s)) for s in (ANSWER, SIGNED)]
    + [("answer.v1.json", Resource.from_contents(ANSWER))]
)


def validate(instance, schema):
    jsonschema.Draft202012Validator(schema, registry=REGISTRY,
                                    format_checker=jsonschema.FormatChecker()).validate(instance)


def error_schema():
    return OPENAPI["components"]["schemas"]["Error"]


@pytest.fixture(scope="module")
def key():
    target = os.environ.get("CARGO_TARGET_DIR") or str(ROOT / "target")
    ptctl = pathlib.Path(target) / "debug" / "ptctl"
    if not ptctl.exists():
        pytest.fail(f"{ptctl} not built (cargo build --workspace --bins)")
    merchant = subprocess.run([ptctl, "merchant", "create", "--name", "Contract Shop"],
                              check=True, capture_output=True, text=True).stdout.split()[-1]
    out = subprocess.run([ptctl, "key", "create", "--merchant", merchant, "--label", "contract"],
                         check=True, capture_output=True, text=True).stdout
    return next(l.split()[-1] for l in out.splitlines() if l.startswith("key:"))


def call(method, path, key=None, body=None, headers=None):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(f"{INGEST}{path}", data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if key:
        req.add_header("Authorization", f"Bearer {key}")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            raw = r.read()
            return r.status, {k.lower(): v for k, v in r.headers.items()}, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, {k.lower(): v for k, v in e.headers.items()}, json.loads(raw) if raw else None


def test_live_answers_match_the_documented_contract(key):
    installation = str(uuid.uuid4())
    body = {"installation_id": installation, "heartbeat_id": str(uuid.uuid4()), "cms": "woocommerce",
            "plugin_version": "1.0.0", "requests_last_hour": 12, "errors_last_hour": 1}
    validate(body, HEARTBEAT)
    status, _, answer = call("POST", "/api/v1/plugins/heartbeat", key, body)
    assert status == 202, answer
    validate(answer, ANSWER)
    payload = json.loads(answer["signed_toggles"]["payload"])
    validate(payload, SIGNED)
    assert payload["installation_id"] == installation and payload["cms"] == "woocommerce"

    status, headers, polled = call(
        "GET", f"/api/v1/plugins/config?installation_id={installation}&cms=woocommerce&plugin_version=1.0.0", key)
    assert status == 200, polled
    validate(polled["config"], ANSWER)
    status, _, _ = call("GET", f"/api/v1/plugins/config?installation_id={installation}&cms=woocommerce&plugin_version=1.0.0",
                        key, headers={"If-None-Match": headers["etag"]})
    assert status == 304

    event = {"event_id": str(uuid.uuid4()), "type": "error", "cms": "woocommerce",
             "installation_id": installation, "error_code": "card_declined"}
    validate(event, OPENAPI["components"]["schemas"]["Event"])
    status, _, accepted = call("POST", "/api/v1/plugins/event", key, {"events": [event]})
    assert status == 202 and accepted["accepted"] == 1, accepted
    schema = OPENAPI["paths"]["/api/v1/plugins/event"]["post"]["responses"]["202"]["content"]["application/json"]["schema"]
    validate(accepted, schema)

    status, _, keys = call("GET", "/api/v1/plugins/signing-keys")
    assert status == 200
    validate(keys, OPENAPI["paths"]["/api/v1/plugins/signing-keys"]["get"]["responses"]["200"]["content"]["application/json"]["schema"])

    # Each documented error answers with the documented body.
    for expect, args in [
        (401, ("POST", "/api/v1/plugins/heartbeat", None, body)),
        (401, ("POST", "/api/v1/plugins/heartbeat", "ptk_" + uuid.uuid4().hex, body)),
        (400, ("POST", "/api/v1/plugins/heartbeat", key, b"{not json")),
        (422, ("POST", "/api/v1/plugins/heartbeat", key, {"cms": "woocommerce"})),
        (422, ("GET", "/api/v1/plugins/config?cms=woocommerce&plugin_version=1", key, None)),
    ]:
        status, _, err = call(*args)
        assert status == expect, (args, err)
        assert str(status) in OPENAPI["paths"][args[1].split("?")[0]][args[0].lower()]["responses"]
        validate(err, error_schema())


def bundled() -> dict:
    """The OpenAPI with the referenced schema files inlined (one document for tools)."""
    api = copy.deepcopy(OPENAPI)
    schemas = api["components"]["schemas"]
    heartbeat = {k: v for k, v in HEARTBEAT.items() if k not in ("$schema", "$id")}
    answer = {k: v for k, v in ANSWER.items() if k not in ("$schema", "$id", "$defs")}
    text = json.dumps(answer).replace('"#/$defs/', '"#/components/schemas/')
    schemas.update(Heartbeat=heartbeat, Answer=json.loads(text), **ANSWER["$defs"])
    return api


def test_schemathesis_finds_no_server_error_in_ingest(key):
    st = shutil.which("schemathesis") or pytest.fail("schemathesis not installed (dev/test installs it)")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(bundled(), f)
        spec = f.name
    try:
        run = subprocess.run(
            [st, "run", spec, "--url", INGEST, "-H", f"Authorization: Bearer {key}",
             "--checks", "all", "--max-examples", "30", "--seed", "1", "--request-timeout", "10"],
            capture_output=True, text=True, timeout=600, env=dict(os.environ, NO_COLOR="1"))
    finally:
        os.unlink(spec)
    out = run.stdout + run.stderr
    print(out[out.find("Failures:"):] if "Failures:" in out else out[-2000:])
    assert "Tested: 0" not in out and " generated" in out, out[-3000:]
    assert "ST101" not in out and "Server error" not in out, out[-3000:]
