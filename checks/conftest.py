"""Shared paths for the Python checks (run by dev/test after the Rust tests)."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent


def clickhouse_statements(sql: str) -> list[str]:
    """The same split as store::migrate::statements: `;`-separated, comment lines dropped."""
    body = "\n".join(l for l in sql.splitlines() if not l.lstrip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


def script_defaults(path: pathlib.Path) -> dict[str, str]:
    """`NAME=${NAME:-default}` assignments of a shell script."""
    text = path.read_text()
    return dict(re.findall(r"^([A-Z_]+)=\$\{\1:-([^}]*)\}", text, re.M))
