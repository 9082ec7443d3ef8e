"""A small fleet with known answers for the examples of docs/analysts.md.

Everything is relative to T (a fixed instant), and the examples' now()/today() are
replaced by T when run against this data, so the expected results never drift.
"""
import re
import uuid

from conftest import ROOT

T = 1795717800  # 2026-11-26 18:30:00 UTC
M1 = "11111111-1111-4111-8111-111111111111"
M2 = "22222222-2222-4222-8222-222222222222"

# name: (merchant, cms, version or (old, new, switch hour), requests, errors, hours beating)
INSTALLATIONS = {
    "w1": (M1, "woocommerce", "1.3.5", 200, 2, range(0, 24)),
    "w2": (M1, "woocommerce", "1.3.5", 100, 10, range(0, 24)),
    "w3": (M2, "woocommerce", "1.3.0", 100, 1, range(0, 24)),
    "w4": (M2, "woocommerce", "1.2.0", 50, 0, range(5, 24)),  # stopped 5 h ago
    "p1": (M1, "prestashop", "2.1.0", 300, 3, range(0, 24)),
    "p2": (M2, "prestashop", "2.0.3", 100, 8, range(0, 24)),
    "g1": (M2, "magento", ("1.4.0", "1.4.2", 12), 100, 0, range(0, 24)),
}
IDS = {name: str(uuid.uuid5(uuid.NAMESPACE_URL, name)) for name in INSTALLATIONS}


def _dt(secs: int) -> str:
    return f"toDateTime({secs})"


def heartbeat_rows() -> list[str]:
    rows = []
    for name, (merchant, cms, version, req, err, hours) in INSTALLATIONS.items():
        for k in hours:
            t = T - k * 3600 - 300
            v = version if isinstance(version, str) else (version[1] if k < version[2] else version[0])
            rows.append(_hb(name, merchant, cms, v, req, err, event_time=t, received=t + 1))
    # A heartbeat queued for 2 h by w1's site: late for its minute/5 min/hour windows.
    rows.append(_hb("w1", M1, "woocommerce", "1.3.5", 100, 1, event_time=T - 7500, received=T))
    return rows


def _hb(name, merchant, cms, version, req, err, event_time, received) -> str:
    eid = uuid.uuid5(uuid.NAMESPACE_URL, f"hb-{name}-{event_time}-{received}")
    return (f"(toUUID('{eid}'), {_dt(received)}, {received * 1000}, {_dt(event_time)}, {event_time * 1000}, "
            f"toUUID('{merchant}'), toUUID('{IDS[name]}'), 0, '{cms}', '', '{version}', 1, 'php', '8.2', "
            f"'{name}.example', 'production', {req}, {float(err)}, '', '{{}}', 0, 0)")


def event_rows() -> list[str]:
    rows = []

    def ev(name, kind, t, code="", to_version="", eid=None):
        merchant, cms = INSTALLATIONS[name][0], INSTALLATIONS[name][1]
        eid = eid or uuid.uuid5(uuid.NAMESPACE_URL, f"ev-{name}-{kind}-{t}-{code}")
        rows.append(f"(toUUID('{eid}'), {_dt(t)}, {t * 1000}, {_dt(t)}, {t * 1000}, toUUID('{merchant}'), "
                    f"toUUID('{IDS[name]}'), 0, '{kind}', '{cms}', '', '', '{code}', '', '', '{to_version}', "
                    f"'', '', '{{}}', 0, 0)")
    for k in range(6):
        ev("w2", "error", T - k * 3600 - 200, "card_declined")
    for k in range(2):
        ev("w2", "error", T - k * 3600 - 100, "timeout")
    for k in range(3):
        ev("p2", "error", T - k * 3600 - 200, "3ds_failed")
    dup = uuid.uuid5(uuid.NAMESPACE_URL, "dup")
    ev("w2", "error", T - 400, "timeout", eid=dup)
    ev("w2", "error", T - 400, "timeout", eid=dup)  # the same event id twice: one event
    ev("g1", "upgrade_started", T - 12 * 3600 - 600, to_version="1.4.2")
    ev("g1", "upgrade_succeeded", T - 12 * 3600 - 500, to_version="1.4.2")
    ev("w3", "upgrade_started", T - 7200, to_version="1.3.5")
    ev("w3", "upgrade_failed", T - 7100, to_version="1.3.5")
    return rows


def recompute_statements() -> list[str]:
    """The aggregator's own recompute SQL, filled as sink/windows.rs fills it."""
    sql_dir = ROOT / "aggregator" / "src" / "sink" / "sql"
    raw = (sql_dir / "raw_rows.sql").read_text()
    installations = ", ".join(f"toUUID('{i}')" for i in IDS.values())
    out = []
    for table, size in [("error_rate_1m", 60), ("error_rate_5m", 300), ("error_rate_1h", 3600), ("daily_health", 86400)]:
        template = (sql_dir / ("daily_health.sql" if table == "daily_health" else "window_rows.sql")).read_text()
        frm, to = (T - 3 * 86400) // size * size, (T // size + 1) * size
        sql = (template.replace("{raw_rows}", raw).replace("{table}", table).replace("{size}", str(size))
               .replace("{lateness_ms}", "600000").replace("{expected_heartbeats}", "24")
               .replace("{installations}", installations).replace("{from}", str(frm)).replace("{to}", str(to)))
        out.append("\n".join(l for l in sql.splitlines() if not l.lstrip().startswith("--")))
    return out


def at_t(sql: str) -> str:
    """An example query as of T instead of the wall clock."""
    sql = re.sub(r"\bnow\(\)", f"toDateTime({T})", sql)
    return re.sub(r"\btoday\(\)", f"toDate(toDateTime({T}), 'UTC')", sql)
