"""The dev scripts' own rules that a user's stack depends on."""
import subprocess

from conftest import ROOT


def running_function() -> str:
    """dev/test's `running` (is anything of this script's stack running?), as written."""
    lines = [l for l in (ROOT / "dev" / "test").read_text().splitlines() if l.startswith("running()")]
    assert len(lines) == 1, "dev/test defines running() once, on one line"
    return lines[0]


def running(tmp_path, status_script: str) -> str:
    """What dev/test's running() says of a status command printing `status_script`."""
    status = tmp_path / "status"
    status.write_text("#!/bin/sh\n" + status_script)
    status.chmod(0o755)
    script = f"set -euo pipefail\n{running_function()}\nif running {status}; then echo yes; else echo no; fi\n"
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=10)
    return out.stdout.strip()


def test_a_running_stack_is_seen_even_when_its_status_prints_slowly(tmp_path):
    """Defect: `status | grep -q ': running'` under pipefail. grep stops at the first
    match, the status script's next line dies of SIGPIPE, pipefail calls the pipeline
    failed, and dev/test stopped a demo it had not started."""
    assert running(tmp_path, "echo 'postgres: running (pid 1)'\nsleep 0.3\necho 'kafka: stopped'\n") == "yes"


def test_nothing_running_is_seen_as_nothing_running(tmp_path):
    assert running(tmp_path, "echo 'postgres: stopped'\necho 'kafka: stopped'\n") == "no"
