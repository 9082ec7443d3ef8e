"""Shared paths for the Python checks (run by dev/test after the Rust tests)."""
import functools
import json
import os
import pathlib
import re
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent


def ptctl() -> list[str]:
    """The command that runs ptctl: the binary dev/test built, else `cargo run`."""
    built = pathlib.Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target") / "debug" / "ptctl"
    return [str(built)] if built.exists() else ["cargo", "run", "-q", "-p", "cli", "--bin", "ptctl", "--"]


@functools.cache
def clickhouse_statements() -> tuple[str, ...]:
    """Every statement of the ClickHouse migrations, in order, as `ptctl migrate` sends
    them: the split rule lives once, in store::migrate::statements."""
    out = subprocess.run(ptctl() + ["migrations", "statements", "--engine", "clickhouse"],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, f"ptctl migrations statements failed (cargo build --workspace --bins): {out.stderr}"
    return tuple(item["statement"] for item in json.loads(out.stdout))


def script_defaults(path: pathlib.Path) -> dict[str, str]:
    """`NAME=${NAME:-default}` assignments of a shell script."""
    text = path.read_text()
    return dict(re.findall(r"^([A-Z_]+)=\$\{\1:-([^}]*)\}", text, re.M))
