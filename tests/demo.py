"""`make demo`: run `openscale-creds setup` end to end against the bundled fake ibmcloud.

No IBM account is needed: the fake keeps its session in a temporary folder and serves the demo world
in tests/fake_ibmcloud/demo-world.json. The resulting credentials are printed with the key masked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FAKE = HERE / "fake_ibmcloud" / "ibmcloud"
WORLD = HERE / "fake_ibmcloud" / "demo-world.json"
COMMAND = Path(sys.executable).parent / "openscale-creds"


def main() -> int:
    world = json.loads(WORLD.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="openscale-creds-demo-") as tmp:
        env = dict(os.environ)
        env.update(
            OPENSCALE_CREDS_IBMCLOUD=str(FAKE),
            IBMCLOUD_HOME=str(Path(tmp) / "ibmcloud-home"),
            FAKE_IBMCLOUD_STATE_DIR=str(Path(tmp) / "fake-state"),
            IBMCLOUD_API_KEY=world["apikeys"][0]["apikey"],
        )
        out = Path(tmp) / "credentials.yaml"
        argv = [str(COMMAND), "setup", "--instance", "AI OpenScale-my_instance", "--group", "Default"]
        argv += ["--out", str(out)]
        print("$ export IBMCLOUD_API_KEY=...   # the demo world's fake key", file=sys.stderr)
        print(f"$ openscale-creds setup --instance 'AI OpenScale-my_instance' --group Default --out {out}")
        sys.stdout.flush()
        done = subprocess.run(argv, env=env, check=False)
        if done.returncode != 0:
            print(f"demo: setup exited {done.returncode}", file=sys.stderr)
            return done.returncode
        from openscale_creds import credentials

        creds = credentials.load(out.read_bytes())
        mode = oct(out.stat().st_mode & 0o777)
        print(f"\n{out} (mode {mode}), with the API key masked:\n")
        print(credentials.render(credentials.masked(creds), "yaml"), end="")
        print("\nThe same as shell variables (`--format env --out -`), key masked:\n")
        print(credentials.render(credentials.masked(creds), "env"), end="")
        return 0


if __name__ == "__main__":
    sys.exit(main())
