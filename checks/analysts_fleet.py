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


def _events() -> list[tuple]:
    """(installation, type, time, code or to_version, event id) of the fleet's events."""
    out = []

    def ev(name, kind, t, code="", eid=None):
        out.append((name, kind, t, code, eid or str(uuid.uuid5(uuid.NAMESPACE_URL, f"ev-{name}-{kind}-{t}-{code}"))))
    for k in range(6):
        ev("w2", "error", T - k * 3600 - 200, "card_declined")
    for k in range(2):
        ev("w2", "error", T - k * 3600 - 100, "timeout")
    for k in range(3):
        ev("p2", "error", T - k * 3600 - 200, "3ds_failed")
    dup = str(uuid.uuid5(uuid.NAMESPACE_URL, "dup"))
    ev("w2", "error", T - 400, "timeout", eid=dup)
    ev("w2", "error", T - 400, "timeout", eid=dup)  # the same event id twice: one event
    ev("g1", "upgrade_started", T - 12 * 3600 - 600, "1.4.2")
    ev("g1", "upgrade_succeeded", T - 12 * 3600 - 500, "1.4.2")
    ev("w3", "upgrade_started", T - 7200, "1.3.5")
    ev("w3", "upgrade_failed", T - 7100, "1.3.5")
    return out


def event_rows() -> list[str]:
    rows = []
    for offset, (name, kind, t, detail, eid) in enumerate(_events()):
        merchant, cms = INSTALLATIONS[name][0], INSTALLATIONS[name][1]
        code, to_version = (detail, "") if kind == "error" else ("", detail)
        rows.append(f"(toUUID('{eid}'), {_dt(t)}, {t * 1000}, {_dt(t)}, {t * 1000}, toUUID('{merchant}'), "
                    f"toUUID('{IDS[name]}'), 0, '{kind}', '{cms}', '', '', '{code}', '', '', '{to_version}', "
                    f"'', '', '{{}}', 0, {offset}, {2**63 - offset})")
    return rows


def parts_inserts() -> list[str]:
    """The fleet's windows as the aggregator writes them (one segment, rules of
    aggregator/src/window.rs): a record late for its minute counts nowhere, an
    event id counts once, windows sum what the heartbeats reported."""
    windows = {60: {}, 300: {}, 3600: {}}
    days, codes = {}, {}

    def cell(table, key, cms):
        return table.setdefault(key, {"cms": cms, "version": "", "rank": 0, "hb": 0, "req": 0, "err": 0.0,
                                      "ev": 0, "hours": set(), "versions": set()})

    def add(name, merchant, cms, at, received, hb=None, code=None):
        if received * 1000 > (at - at % 60 + 60) * 1000 + 600_000:
            return  # late for its minute: raw only
        inst = IDS[name]
        for size, table in windows.items():
            w = cell(table, (inst, merchant, at - at % size), cms)
            _add(w, received, hb)
        d = cell(days, (inst, merchant, at - at % 86400), cms)
        _add(d, received, hb)
        if hb:
            d["hours"].add((at % 86400) // 3600)
            d["versions"].add(hb[0])
        if code:
            key = (inst, merchant, at - at % 60, code)
            codes[key] = codes.get(key, 0) + 1

    def _add(w, received, hb):
        if hb:
            version, req, err = hb
            w["hb"] += 1
            w["req"] += req
            w["err"] += err
            if received * 1000 >= w["rank"]:
                w["rank"], w["version"] = received * 1000, version
        else:
            w["ev"] += 1

    for name, (merchant, cms, version, req, err, hours) in INSTALLATIONS.items():
        for k in hours:
            t = T - k * 3600 - 300
            v = version if isinstance(version, str) else (version[1] if k < version[2] else version[0])
            add(name, merchant, cms, t, t + 1, hb=(v, req, float(err)))
    add("w1", M1, "woocommerce", T - 7500, T, hb=("1.3.5", 100, 1.0))  # the late one
    seen = set()
    for name, kind, t, code, eid in _events():
        if kind == "error" and eid not in seen:
            seen.add(eid)
            add(name, INSTALLATIONS[name][0], INSTALLATIONS[name][1], t, t, code=code)

    u = lambda x: f"toUUID('{x}')"
    out = []
    for size, table in windows.items():
        name = {60: "error_rate_1m", 300: "error_rate_5m", 3600: "error_rate_1h"}[size]
        rows = [f"({u(i)}, {_dt(start)}, {u(m)}, 0, '{w['cms']}', '{w['version']}', {w['rank']}, {w['hb']}, "
                f"{w['req']}, {w['err']}, {w['ev']}, 1)" for (i, m, start), w in table.items()]
        out.append(f"INSERT INTO plugin_telemetry.{name}_parts VALUES " + ", ".join(rows))
    rows = [f"({u(i)}, {_dt(start)}, {u(m)}, 0, '{c}', {n}, 1)" for (i, m, start, c), n in codes.items()]
    out.append("INSERT INTO plugin_telemetry.error_codes_1m_parts VALUES " + ", ".join(rows))
    rows = [f"({u(i)}, toDate({_dt(day)}, 'UTC'), {u(m)}, 0, '{d['cms']}', '{d['version']}', {d['rank']}, "
            f"{d['hb']}, 24, {d['req']}, {d['err']}, {d['ev']}, {sorted(d['hours'])}, "
            f"[{', '.join(repr(v) for v in sorted(d['versions']))}], 1)" for (i, m, day), d in days.items()]
    out.append("INSERT INTO plugin_telemetry.daily_health_parts VALUES " + ", ".join(rows))
    return out


def at_t(sql: str) -> str:
    """An example query as of T instead of the wall clock."""
    sql = re.sub(r"\bnow\(\)", f"toDateTime({T})", sql)
    return re.sub(r"\btoday\(\)", f"toDate(toDateTime({T}), 'UTC')", sql)
