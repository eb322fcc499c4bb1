"""`make demo` is one of the README's two set-up commands: it must run through, showing the lifecycle."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DEMO = Path(__file__).with_name("demo.py")


def test_make_demo_runs_setup_list_exec_and_remove_through() -> None:
    done = subprocess.run(
        [sys.executable, str(DEMO)], capture_output=True, text=True, timeout=300, check=False
    )

    assert done.returncode == 0, done.stderr
    assert "Reusing API key" in done.stderr  # the second setup made no new key
    assert "WXG_SERVICE_INSTANCE_ID:" in done.stdout  # exec gave the child its credentials
    assert "profile default" in done.stdout  # api-key list knows which profile holds the key
