"""Cheap, deterministic guards for what `make bench` measures: nothing here times anything.

Start-up is what a shell loop of `openscale-creds instance NAME --field guid` pays on every call, so the
CLI module must not import what only one command needs; the Typer range must stay below the release that
imports pydantic; the SSO drivers must not sleep; and the parsers must read big generated listings whole.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from conftest import FAKE_IBMCLOUD, ROOT

sys.path.insert(0, str(ROOT / "bench"))
import listings  # bench/ is not a package

DEMO = json.loads((ROOT / "tests" / "fake_ibmcloud" / "demo-world.json").read_text(encoding="utf-8"))
INSTANCE = "AI OpenScale-my_instance"
INSTANCE_GUID = next(i["guid"] for i in DEMO["instances"] if i["name"] == INSTANCE)

# Heavy, or needed by a single command: none of these may be paid for by every start.
HEAVY = ("pexpect", "ptyprocess", "yaml", "rich", "pydantic", "http", "ssl", "urllib.request", "email")
COMMAND_ONLY = (
    "openscale_creds.dialogue",
    "openscale_creds.openscale_api",
    "openscale_creds.credentials",
    "openscale_creds.workflow",
    "openscale_creds.parsers",
)
MARKER = "--- modules ---"


def modules_after(code: str, env: dict[str, str] | None = None) -> tuple[str, set[str]]:
    """Run `code` in a fresh interpreter; what it printed, and every module loaded by its end."""
    probe = f"{code}\nimport sys\nprint({MARKER!r})\nprint('\\n'.join(sorted(sys.modules)))\n"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, **(env or {})},
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    printed, _, listed = done.stdout.partition(MARKER + "\n")
    return printed, set(listed.split())


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules for name in names if m == name or m.startswith(name + "."))


def run_main(args: list[str]) -> str:
    return (
        "from openscale_creds.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
    )


def test_importing_the_cli_module_imports_no_heavy_or_single_command_module() -> None:
    _, modules = modules_after("import openscale_creds.cli")
    assert loaded(modules, HEAVY + COMMAND_ONLY) == []


def test_version_prints_without_importing_the_parsers_or_the_workflows() -> None:
    printed, modules = modules_after(run_main(["--version"]))
    assert printed.startswith("openscale-creds ")
    assert loaded(modules, HEAVY + COMMAND_ONLY) == []


def test_a_lookup_by_name_imports_neither_pexpect_nor_yaml_nor_an_http_client(tmp_path: Path) -> None:
    env = {"IBMCLOUD_HOME": str(tmp_path / "session"), "OPENSCALE_CREDS_IBMCLOUD": str(FAKE_IBMCLOUD)}
    login = [sys.executable, str(FAKE_IBMCLOUD), "login", "--no-region", "-g", "Default", "-q"]
    # The demo world's fake key, in the environment as the wrapper itself passes keys.
    key_env = {**os.environ, **env, "IBMCLOUD_API_KEY": DEMO["apikeys"][0]["apikey"]}
    subprocess.run(login, env=key_env, check=True, capture_output=True, timeout=60)

    printed, modules = modules_after(run_main(["instance", INSTANCE, "--field", "guid"]), env)

    assert printed.strip() == INSTANCE_GUID
    assert loaded(modules, (*HEAVY, "openscale_creds.dialogue", "openscale_creds.openscale_api")) == []


def test_the_dependency_range_keeps_typer_below_the_release_that_imports_pydantic() -> None:
    tomllib = pytest.importorskip("tomllib")
    requirements = pytest.importorskip("packaging.requirements")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    typer = [r for r in map(requirements.Requirement, project["dependencies"]) if r.name == "typer"]

    assert len(typer) == 1
    assert not typer[0].specifier.contains("0.25.0") and not typer[0].specifier.contains("0.29.0")
    assert typer[0].specifier.contains("0.24.2")
    assert typer[0].specifier.contains(version("typer"))  # the venv the tests run in agrees


@pytest.mark.parametrize("kind", ["pty", "pipe"])
def test_the_sso_drivers_send_and_read_without_pexpect_s_fixed_pauses(kind: str) -> None:
    from openscale_creds import dialogue

    driver = dialogue.make_driver(kind, [sys.executable, "-c", "input()"], dict(os.environ))  # type: ignore[arg-type]
    try:
        child = driver._child  # type: ignore[attr-defined]
        if kind == "pty":
            # pexpect's defaults: 50 ms before every send, 100 ms in close(), a pause after every read.
            assert not child.delaybeforesend
            assert not child.delayafterread
            assert child.ptyproc.delayafterclose == 0
        else:
            # PopenSpawn never sleeps before a send; a read that waits on the reader queue needs no pause
            # after it, and a polling one (pexpect internals not as expected) keeps a short one.
            assert child.delayafterread is None if child.waits else child.delayafterread <= 0.01
    finally:
        driver.kill_tree()


def test_a_generated_listing_is_byte_for_byte_what_the_fake_prints(tmp_path: Path) -> None:
    world = listings.world(25)

    assert {fmt: text.encode("utf-8") for fmt, text in listings.render(world).items()} == listings.via_fake(
        world, tmp_path
    )


def test_a_10_000_row_list_table_parses_to_every_instance_whole(tmp_path: Path) -> None:
    from openscale_creds.parsers import parse

    n = 10_000
    text = listings.write(n, tmp_path)["text"].read_text(encoding="utf-8")

    result = parse("instances", text)

    # Names carry single spaces, brackets and wide characters: a cut in the wrong column would show.
    assert [i["name"] for i in result] == [listings.name(i) for i in range(n)]
    assert result[-1]["state"] and result[-1]["location"] and result[-1]["resource_group_id"]


def test_a_1_000_instance_json_listing_parses_to_every_instance(tmp_path: Path) -> None:
    # 1,000 rather than 10,000: the JSON listing holds full 2.4 kB objects (24 MB for 10,000).
    from openscale_creds.parsers import parse

    n = 1_000
    text = listings.write(n, tmp_path)["json"].read_text(encoding="utf-8")

    result = parse("instances", text)

    assert [i["name"] for i in result] == [listings.name(i) for i in range(n)]
    assert len({i["guid"] for i in result}) == n
