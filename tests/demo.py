"""`make demo`: the credential lifecycle end to end against the bundled fake ibmcloud.

`setup` (a key stored as profile `default`), `setup` again (the key is reused: no new one), `list`,
`exec -- python -c ...` (a program that reads the credentials from its environment), and `remove`.
No IBM account is needed: the fake keeps its session, and the demo its profiles, in a temporary
folder (keys in a 0600 file there, never your own keychain). Keys are shown masked.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FAKE = HERE / "fake_ibmcloud" / "ibmcloud"
WORLD = HERE / "fake_ibmcloud" / "demo-world.json"
COMMAND = Path(sys.executable).parent / "openscale-creds"
INSTANCE = "AI OpenScale-my_instance"

# What a program using the credentials sees; it prints the key masked, as a careful program would.
CHILD = (
    'import os; k = os.environ["WATSONX_APIKEY"]; '
    'print("WATSONX_APIKEY:", k[:4] + "***", len(k), "chars"); '
    'print("WXG_SERVICE_INSTANCE_ID:", os.environ["WXG_SERVICE_INSTANCE_ID"])'
)


def run(env: dict[str, str], *args: str) -> int:
    shown = " ".join(shlex.quote(a) for a in args)
    print(f"\n$ openscale-creds {shown}", flush=True)
    return subprocess.run([str(COMMAND), *args], env=env, check=False).returncode


def main() -> int:
    world = json.loads(WORLD.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="openscale-creds-demo-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENSCALE_CREDS_", "IBMCLOUD_"))}
        env.update(
            HOME=str(Path(tmp) / "home"),
            XDG_CONFIG_HOME=str(Path(tmp) / "home" / ".config"),
            OPENSCALE_CREDS_IBMCLOUD=str(FAKE),
            OPENSCALE_CREDS_STORE="file",  # the demo must not write to your own keychain
            IBMCLOUD_HOME=str(Path(tmp) / "ibmcloud-home"),
            FAKE_IBMCLOUD_STATE_DIR=str(Path(tmp) / "fake-state"),
            # `python` in the exec step: this interpreter, wherever the system's is.
            PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        )
        with_key = {**env, "IBMCLOUD_API_KEY": world["apikeys"][0]["apikey"]}
        print("$ export IBMCLOUD_API_KEY=...   # the demo world's fake key", flush=True)
        steps = [
            (with_key, ["setup", INSTANCE, "--group", "Default"]),
            (with_key, ["setup", INSTANCE, "--group", "Default"]),  # reused: no new key
            (env, ["list"]),
            (env, ["exec", "--", "python", "-c", CHILD]),
            # setup with a key keeps its session private; `api-key list` reads your own session.
            (with_key, ["login", "--no-region"]),
            (env, ["api-key", "list"]),
            (env, ["remove", "-p", "default"]),
            (env, ["list"]),
        ]
        for step_env, args in steps:
            code = run(step_env, *args)
            if code != 0:
                print(f"demo: `openscale-creds {args[0]}` exited {code}", file=sys.stderr)
                return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
