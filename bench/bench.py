"""`make bench`: what openscale-creds adds on top of the `ibmcloud` calls it makes, against the fake CLI.

Every figure is a median over interleaved runs (ABBA order, so a machine that speeds up or slows down during
a section favours no variant) and is set against a baseline measured in the same section of the same run:

1. start-up: `openscale-creds --version` / `--help` vs `python -c pass` (same interpreter), with a minimal
   Click and Typer app for orientation and `-X importtime` of the CLI module;
2. one call: `openscale-creds instance NAME --field guid` vs the shell one-liner a sysadmin would write,
   at 0.3 s fake network latency and at none;
3. whole flow: `openscale-creds setup` vs the same `ibmcloud` calls run back to back by `sh`;
4. the SSO dialogue through the pty and pipe drivers vs the fake fed the same answers on stdin;
5. `parse instances` on generated listings of 1,000 to 100,000 instances: time, peak memory, growth.

Targets get PASS/FAIL; the exit code is 0 unless `--strict` is given and a target failed.
Progress goes to stderr, the tables (Markdown, ready for the README) to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FAKE = ROOT / "tests" / "fake_ibmcloud" / "ibmcloud"
DEMO_WORLD = json.loads((FAKE.parent / "demo-world.json").read_text(encoding="utf-8"))
PYTHON = sys.executable
COMMAND = str(Path(PYTHON).parent / "openscale-creds")
INSTANCE = "AI OpenScale-my_instance"
INSTANCE_GUID = next(i["guid"] for i in DEMO_WORLD["instances"] if i["name"] == INSTANCE)
API_KEY = DEMO_WORLD["apikeys"][0]["apikey"]  # the demo world's obvious fake
ACCOUNT_GUID = DEMO_WORLD["accounts"][0]["guid"]
LATENCY = 0.3
# Modules the CLI module must not import at start-up: each is either heavy or only needed by one command.
HEAVY = ("pexpect", "ptyprocess", "yaml", "rich", "pydantic", "http", "ssl", "socket", "urllib.request")
# The imports worth naming in the start-up note (cumulative, so nested ones overlap).
BIG_IMPORTS = (
    "typer",
    "typer.main",
    "click",
    "click.core",
    "dataclasses",
    "inspect",
    "pathlib",
    "subprocess",
)

MINIMAL_CLICK = """
import click
@click.command()
@click.version_option("1.0")
def main(): pass
main(["--version"])
"""
MINIMAL_TYPER = """
import typer
app = typer.Typer(add_completion=False)
def version(value: bool):
    if value:
        print("1.0")
        raise typer.Exit()
@app.command()
def main(v: bool = typer.Option(False, "--version", callback=version, is_eager=True)): pass
app(["--version"], standalone_mode=False)
"""
# The least a Typer CLI can cost for the same answer: one command, the same call, no checks.
TYPER_FLOOR = """
import json, subprocess
import typer
app = typer.Typer(add_completion=False)
@app.command()
def instance(name: str, field: str = "guid"):
    argv = ["ibmcloud", "resource", "service-instance", name, "--output", "json"]
    print(json.loads(subprocess.run(argv, capture_output=True, check=True).stdout)[0][field])
app()
"""
# Imports worth naming for the per-call path (cumulative, so nested ones overlap).
CALL_IMPORTS = (
    "openscale_creds.commands",
    "openscale_creds.workflow",
    "openscale_creds.models",
    "tempfile",
    "socket",
    "openscale_creds.runner",
    "openscale_creds.parsers",
    "json",
    "openscale_creds.ui",
)
SYSADMIN_ONE_LINER = (
    'ibmcloud resource service-instance "$1" --output json'
    " | python -c 'import json,sys; print(json.load(sys.stdin)[0][\"guid\"])'"
)


class BenchError(Exception):
    """A run did not do what it should; timing it would mean nothing."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- measuring ------------------------------------------------------------------------------------


def interleaved(variants: Mapping[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Run every variant `rounds` times, ABBA..., after one warm-up each; seconds per run."""
    names = list(variants)
    for name in names:
        variants[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names if r % 2 == 0 else reversed(names):
            samples[name].append(variants[name]())
    return samples


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs)


def run(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    stdin: str | None = None,
    expect: str | None = None,
) -> tuple[float, str]:
    """Run a process to the end; wall seconds (fork to reap) and its stdout. Fails loudly on failure."""
    start = time.perf_counter()
    done = subprocess.run(
        list(argv),
        env=dict(env),
        input=stdin.encode() if stdin is not None else None,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    out = done.stdout.decode("utf-8", "replace")
    if done.returncode != 0 or (expect is not None and expect not in out):
        err = done.stderr.decode("utf-8", "replace").strip()[-400:]
        raise BenchError(f"{shlex.join(argv)} exited {done.returncode}: {err or out[-400:]}")
    return elapsed, out


def wall(argv: Sequence[str], env: Mapping[str, str]) -> float:
    return run(argv, env)[0]


def ms(seconds: float) -> str:
    value = seconds * 1000
    return f"{value:.0f} ms" if value >= 100 else f"{value:.1f} ms"


@dataclass
class Row:
    section: str
    what: str
    median: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    ok: bool | None = None


@dataclass
class ParseRow:
    listing: str
    size: str
    time: str
    peak: str
    time_growth: str
    memory_growth: str
    floor: str
    target: str
    ok: bool | None


# --- the sandbox ------------------------------------------------------------------------------------


class Sandbox:
    """A private HOME, ibmcloud sessions and PATH: `ibmcloud` is the fake, `python` is this interpreter."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        bin_dir = tmp / "bin"
        bin_dir.mkdir()
        # On PATH as `ibmcloud`, where the sysadmin's one-liner and openscale-creds both find it.
        (bin_dir / "ibmcloud").symlink_to(FAKE)
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("IBMCLOUD_", "BLUEMIX_", "OPENSCALE_CREDS_", "FAKE_IBMCLOUD_"))
        }
        # The venv's bin first: the fake's `#!/usr/bin/env python3` and the one-liner's `python` are then
        # this interpreter, not a version-manager shim that costs more than everything measured here.
        env["PATH"] = os.pathsep.join([str(bin_dir), str(Path(PYTHON).parent), env.get("PATH", "")])
        # Bytecode cached, as after `pip install`: without it every start compiles the package again.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
        env["HOME"] = str(tmp / "home")
        env["XDG_CONFIG_HOME"] = str(tmp / "home" / ".config")
        env["IBMCLOUD_HOME"] = str(tmp / "session")
        env["FAKE_IBMCLOUD_STATE_DIR"] = str(tmp / "state")
        self.env = env
        self._count = 0

    def fresh(self, **extra: str) -> dict[str, str]:
        """The environment with a new, empty ibmcloud session and fake state (nothing carried over)."""
        self._count += 1
        run_dir = self.tmp / f"run-{self._count}"
        run_dir.mkdir()
        return {
            **self.env,
            "IBMCLOUD_HOME": str(run_dir / "session"),
            "FAKE_IBMCLOUD_STATE_DIR": str(run_dir / "state"),
            **extra,
        }

    def logged_in(self, **extra: str) -> dict[str, str]:
        """A fresh session logged in with the demo key, targeting the Default group."""
        env = self.fresh(**extra)
        run(["ibmcloud", "login", "--no-region", "-g", "Default", "-q"], {**env, "IBMCLOUD_API_KEY": API_KEY})
        return env


# --- 1. start-up ------------------------------------------------------------------------------------


def importtime(
    env: Mapping[str, str], statement: str, args: Sequence[str] = ()
) -> dict[str, tuple[int, int]]:
    """`python -X importtime -c STATEMENT` (or `... ARGS`): {module: (self µs, cumulative µs)}."""
    argv = [PYTHON, "-X", "importtime", *(args or ["-c", statement])]
    done = subprocess.run(argv, env=dict(env), capture_output=True, text=True, check=True)
    result: dict[str, tuple[int, int]] = {}
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)", line)
        if match:
            result[match.group(4)] = (int(match.group(1)), int(match.group(2)))
    return result


def bench_startup(box: Sandbox, rounds: int, rows: list[Row], notes: list[str]) -> None:
    log("1/5 start-up")
    env = box.env
    version = f"openscale-creds {__import__('openscale_creds').__version__}"
    samples = interleaved(
        {
            "pass": lambda: run([PYTHON, "-c", "pass"], env)[0],
            "click": lambda: run([PYTHON, "-c", MINIMAL_CLICK], env, expect="1.0")[0],
            "typer": lambda: run([PYTHON, "-c", MINIMAL_TYPER], env, expect="1.0")[0],
            "version": lambda: run([COMMAND, "--version"], env, expect=version)[0],
            "help": lambda: run([COMMAND, "--help"], env, expect="setup")[0],
        },
        rounds,
    )
    base = median(samples["pass"])
    from importlib.metadata import version as dist_version

    labels = {
        "pass": "`python -c pass` (baseline)",
        "click": f"minimal Click {dist_version('click')} app `--version` (orientation)",
        "typer": f"minimal Typer {dist_version('typer')} app `--version` (orientation)",
        "version": "`openscale-creds --version`",
        "help": "`openscale-creds --help`",
    }
    for key, label in labels.items():
        m = median(samples[key])
        rows.append(Row("1", label, ms(m), ms(base), f"{m / base:.2f}" if key != "pass" else ""))

    runs = [importtime(env, "import openscale_creds.cli") for _ in range(5)]

    def cumulative_ms(module: str) -> float:
        return median([r[module][1] for r in runs if module in r]) / 1000

    def own_ms(r: dict[str, tuple[int, int]]) -> float:
        return sum(s for mod, (s, _c) in r.items() if mod.startswith("openscale_creds")) / 1000

    total = cumulative_ms("openscale_creds.cli")
    own = median([own_ms(r) for r in runs])
    tops = [f"{mod} {cumulative_ms(mod):.1f}" for mod in BIG_IMPORTS if mod in runs[0]]
    heavy = sorted({mod for mod in runs[0] for h in HEAVY if mod == h or mod.startswith(h + ".")})
    rows.append(
        Row(
            "1",
            "`python -X importtime -c 'import openscale_creds.cli'`",
            f"{total:.1f} ms",
            ratio="",
            target="imports none of " + ", ".join(HEAVY),
            ok=not heavy,
        )
    )
    notes.append(
        f"Import of `openscale_creds.cli`: {total:.1f} ms cumulative (median of 5 `-X importtime` runs, "
        f"which inflates times), of which openscale_creds' own modules {own:.1f} ms; cumulative ms: "
        + ", ".join(tops)
        + (f". Heavy modules imported: {', '.join(heavy)}" if heavy else ". No heavy module imported.")
    )


# --- 2. one call ------------------------------------------------------------------------------------


def bench_call(box: Sandbox, rounds: int, rows: list[Row], notes: list[str]) -> None:
    floor_script = box.tmp / "typer_floor.py"
    floor_script.write_text(TYPER_FLOOR, encoding="utf-8")
    for latency, target in ((LATENCY, 1.10), (0.0, 2.0)):
        log(f"2/5 one call, latency {latency:g} s")
        env = box.logged_in(FAKE_IBMCLOUD_LATENCY=str(latency))
        variants = {
            "wrapper": ["sh", "-c", 'openscale-creds instance "$1" --field guid', "sh", INSTANCE],
            "baseline": ["sh", "-c", SYSADMIN_ONE_LINER, "sh", INSTANCE],
            "floor": ["sh", "-c", 'python "$2" "$1"', "sh", INSTANCE, str(floor_script)],
        }
        for argv in variants.values():
            if run(argv, env)[1].strip() != INSTANCE_GUID:
                raise BenchError(f"{argv[2]!r} did not print the instance GUID")
        samples = interleaved({k: functools.partial(wall, argv, env) for k, argv in variants.items()}, rounds)
        w, b, f = (median(samples[k]) for k in ("wrapper", "baseline", "floor"))
        rows.append(
            Row(
                "2",
                f"`openscale-creds instance NAME --field guid` vs `ibmcloud … --output json | python -c …`, "
                f"latency {latency:g} s",
                ms(w),
                ms(b),
                f"{w / b:.2f}",
                f"≤ {target:.2f}",
                w / b <= target,
            )
        )
        rows.append(
            Row(
                "2",
                f"(orientation) a one-command Typer app making the same call, latency {latency:g} s: "
                "the least any Typer CLI costs",
                ms(f),
                ms(b),
                f"{f / b:.2f}",
            )
        )
        if latency == 0:
            runs = [
                importtime(env, "", ["-m", "openscale_creds", "instance", INSTANCE, "--field", "guid"])
                for _ in range(3)
            ]
            parts = [
                f"{mod} {median([r[mod][1] for r in runs]) / 1000:.1f}"
                for mod in CALL_IMPORTS
                if all(mod in r for r in runs)
            ]
            notes.append(
                "One call: modules `instance --field guid` imports after start-up, cumulative ms by "
                "`-X importtime` (inflated): " + ", ".join(parts) + "."
            )


# --- 3. whole flow ----------------------------------------------------------------------------------


def setup_argv(out: Path) -> list[str]:
    return [
        "sh",
        "-c",
        'openscale-creds setup --instance "$1" --group Default --out "$2" --force',
        "sh",
        INSTANCE,
        str(out),
    ]


def recorded_calls(box: Sandbox) -> list[list[str]]:
    """The ibmcloud argvs `setup` makes, from the fake's call log of one run."""
    log_file = box.tmp / "setup-calls.jsonl"
    env = box.fresh(FAKE_IBMCLOUD_LOG=str(log_file), IBMCLOUD_API_KEY=API_KEY)
    run(setup_argv(box.tmp / "probe.yaml"), env)
    calls = [json.loads(line)["argv"] for line in log_file.read_text(encoding="utf-8").splitlines() if line]
    if not calls:
        raise BenchError("setup made no ibmcloud call")
    return calls


def shell_script(calls: Sequence[Sequence[str]]) -> str:
    """The calls back to back, stopping at the first failure; the last one's output is the file."""
    lines = ["set -e", "umask 077"]
    lines += [shlex.join(["ibmcloud", *argv]) for argv in calls[:-1]]
    lines.append(shlex.join(["ibmcloud", *calls[-1]]) + ' > "$1"')
    return "\n".join(lines)


def bench_flow(box: Sandbox, rounds: int, rows: list[Row], notes: list[str]) -> None:
    calls = recorded_calls(box)
    script = shell_script(calls)
    notes.append(
        f"Whole flow: `setup` makes {len(calls)} ibmcloud calls ("
        + "; ".join(" ".join(c[:2]) for c in calls)
        + "); the baseline script runs the same argvs with `sh`, the last one's output redirected to "
        "the file."
    )
    for latency, target in ((LATENCY, 1.10), (0.0, None)):
        log(f"3/5 whole flow, latency {latency:g} s")

        def wrapper(latency: float = latency) -> float:
            env = box.fresh(IBMCLOUD_API_KEY=API_KEY, FAKE_IBMCLOUD_LATENCY=str(latency))
            out = Path(env["IBMCLOUD_HOME"]).parent / "credentials.yaml"
            elapsed, _ = run(setup_argv(out), env)
            if not out.is_file():
                raise BenchError("setup wrote no credentials file")
            return elapsed

        def baseline(latency: float = latency) -> float:
            env = box.fresh(IBMCLOUD_API_KEY=API_KEY, FAKE_IBMCLOUD_LATENCY=str(latency))
            out = Path(env["IBMCLOUD_HOME"]).parent / "key.json"
            elapsed, _ = run(["sh", "-c", script, "sh", str(out)], env)
            if not out.is_file():
                raise BenchError("the baseline script wrote no key file")
            return elapsed

        samples = interleaved({"wrapper": wrapper, "baseline": baseline}, rounds)
        w, b = median(samples["wrapper"]), median(samples["baseline"])
        rows.append(
            Row(
                "3",
                f"`openscale-creds setup` vs the same {len(calls)} ibmcloud calls in `sh`, "
                f"latency {latency:g} s",
                ms(w),
                ms(b),
                f"{w / b:.2f}",
                f"≤ {target:.2f}" if target else "",
                (w / b <= target) if target else None,
            )
        )


# --- 4. SSO dialogue --------------------------------------------------------------------------------


def bench_sso(box: Sandbox, rounds: int, rows: list[Row], notes: list[str]) -> None:
    log("4/5 SSO dialogue")
    from openscale_creds import dialogue
    from openscale_creds.ibmcloud import login_args
    from openscale_creds.runner import child_env

    code = DEMO_WORLD["passcodes"][0]
    argv = [str(box.tmp / "bin" / "ibmcloud"), *login_args(sso=True, account=ACCOUNT_GUID, no_region=True)]

    def refuse(choices: Any) -> Any:
        raise BenchError("the account menu appeared although -c was given")

    answers = dialogue.SsoAnswers(
        open_browser=False, get_passcode=lambda url: code, choose_account=refuse, show=lambda text: None
    )
    # What the dialogue answers, in order: no browser, then the code (-c and --no-region ask nothing else).
    fed = f"n\n{code}\n"

    def logged_in(env: Mapping[str, str]) -> None:
        _, out = run(["ibmcloud", "target", "--output", "json"], env)
        if (json.loads(out).get("account") or {}).get("guid") != ACCOUNT_GUID:
            raise BenchError("the SSO login left no session")

    def driver(kind: str, check: bool = False) -> float:
        env = child_env(box.fresh())
        start = time.perf_counter()
        dialogue.run_sso_login(argv, env, answers, driver=kind, timeout=30)
        elapsed = time.perf_counter() - start
        if check:
            logged_in(env)
        return elapsed

    def fake_alone(check: bool = False) -> float:
        env = child_env(box.fresh())
        elapsed, _ = run(argv, env, stdin=fed, expect="OK")
        if check:
            logged_in(env)
        return elapsed

    # Once each with a check that the session is really there; the timed runs skip the check.
    driver("pty", check=True)
    driver("pipe", check=True)
    fake_alone(check=True)
    samples = interleaved(
        {"pty": lambda: driver("pty"), "pipe": lambda: driver("pipe"), "fake": fake_alone}, rounds
    )
    base = median(samples["fake"])
    for kind in ("pty", "pipe"):
        m = median(samples[kind])
        added = m - base
        rows.append(
            Row(
                "4",
                f"SSO dialogue, {kind} driver (spawn to logged in) vs the fake fed the answers on stdin",
                ms(m),
                ms(base),
                f"{m / base:.2f} (+{added * 1000:.0f} ms)",
                "≤ +50 ms",
                added <= 0.050,
            )
        )
    pexpect_import = importtime(box.env, "import pexpect, pexpect.popen_spawn")
    cost = max(c for _s, c in pexpect_import.values()) / 1000
    notes.append(
        f"SSO: timed in-process (`dialogue.run_sso_login`), warm; a `login --sso` also imports pexpect once "
        f"(~{cost:.0f} ms by `-X importtime`), which the start-up rows do not include because only that "
        "command imports it."
    )


# --- 5. parsing -------------------------------------------------------------------------------------

PARSE_CHILD = HERE / "parse_child.py"
SIZES = (1_000, 10_000, 100_000)
PARSE_TARGET_SECONDS = 1.0
GROWTH_TARGET = 12.0


def parse_once(box: Sandbox, mode: str, path: Path, warm: Path) -> dict[str, Any]:
    done = subprocess.run(
        [PYTHON, str(PARSE_CHILD), mode, str(path), str(warm)],
        env=box.env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"parsing {path.name} failed: {done.stderr.strip()[-600:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def bench_parse(box: Sandbox, sizes: Sequence[int], rows: list[ParseRow], notes: list[str]) -> None:
    import listings

    folder = box.tmp / "listings"
    log("5/5 parsing: generating listings")
    warm = listings.write(5, folder / "warm")
    files = {n: listings.write(n, folder) for n in sizes}
    method = "?"
    for fmt in listings.FORMATS:
        previous: tuple[float, int] | None = None
        for n in sizes:
            path = files[n][fmt]
            log(f"5/5 parsing {path.name} ({path.stat().st_size / 1e6:.1f} MB)")
            first = parse_once(box, "parse", path, warm[fmt])
            runs = [first]
            # Repeat only what is quick: the budget of `make bench` is five minutes on two cores.
            while len(runs) < 3 and first["seconds"] < 2.0:
                runs.append(parse_once(box, "parse", path, warm[fmt]))
            for r in runs:
                if r["count"] != n:
                    raise BenchError(f"{path.name}: parsed {r['count']} instances, not {n}")
            method = first["memory"]
            seconds = median([r["seconds"] for r in runs])
            peak = int(median([r["peak_bytes"] for r in runs]))
            floor = ""
            if fmt == "json":
                floor = ms(parse_once(box, "json.loads", path, warm[fmt])["seconds"])
            checks: list[bool] = []
            tg = mg = ""
            if previous is not None:
                t_growth, m_growth = seconds / previous[0], peak / max(previous[1], 1)
                tg, mg = f"{t_growth:.1f}×", f"{m_growth:.1f}×"
                checks += [t_growth <= GROWTH_TARGET, m_growth <= GROWTH_TARGET]
            target = f"growth ≤ {GROWTH_TARGET:g}×" if previous is not None else ""
            if n == 100_000:
                checks.append(seconds < PARSE_TARGET_SECONDS)
                target = f"< {PARSE_TARGET_SECONDS:g} s, " + target
            rows.append(
                ParseRow(
                    "list table" if fmt == "text" else "JSON",
                    f"{n:,} ({path.stat().st_size / 1e6:.1f} MB)",
                    ms(seconds) + (f" ({len(runs)} runs)" if len(runs) > 1 else " (1 run)"),
                    f"{peak / 1e6:.1f} MB",
                    tg,
                    mg,
                    floor,
                    target,
                    all(checks) if checks else None,
                )
            )
            previous = (seconds, peak)
    notes.append(
        "Parsing: `parsers.parse('instances', text)` (what `openscale-creds parse instances` prints, "
        "before JSON output) in a fresh process per run, warmed on a 5-instance listing; the input is read "
        f"before the clock starts. Peak memory is the rise of the peak RSS during the parse ({method}). "
        "JSON instances are full resource-controller objects (~2.4 kB each, as the real CLI prints them); "
        "`json.loads` alone is the floor any JSON parse pays."
    )


# --- report -----------------------------------------------------------------------------------------


def machine() -> list[str]:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    from importlib.metadata import version as dist_version

    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return [
        f"- Machine: {os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()} ({PYTHON}); typer {dist_version('typer')}, "
        f"click {dist_version('click')}, pexpect {dist_version('pexpect')}",
        f"- Load average at the start: {load}",
    ]


def flag(ok: bool | None) -> str:
    return "" if ok is None else ("PASS" if ok else "**FAIL**")


def print_report(rows: list[Row], parse_rows: list[ParseRow], notes: list[str], header: list[str]) -> None:
    out = [*header, ""]
    if rows:
        out.append("| # | Measurement | Median | Baseline | Ratio | Target | |")
        out.append("|---|---|---:|---:|---:|---|---|")
        out += [
            f"| {r.section} | {r.what} | {r.median} | {r.baseline} | {r.ratio} | {r.target} | {flag(r.ok)} |"
            for r in rows
        ]
        out.append("")
    if parse_rows:
        out.append(
            "| 5 | Listing | Instances | Time (median) | Peak memory | Time ×/10× | Memory ×/10× "
            "| `json.loads` alone | Target | |"
        )
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---|---|")
        out += [
            f"| 5 | {p.listing} | {p.size} | {p.time} | {p.peak} | {p.time_growth} | {p.memory_growth} "
            f"| {p.floor} | {p.target} | {flag(p.ok)} |"
            for p in parse_rows
        ]
        out.append("")
    out += [f"- {note}" for note in notes]
    print("\n".join(out))


SECTIONS = ("startup", "call", "flow", "sso", "parse")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--quick", action="store_true", help="few rounds and small listings (a smoke test)")
    parser.add_argument("--only", choices=SECTIONS, action="append", help="run only these sections")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (listings, logs)")
    args = parser.parse_args(argv)
    only = set(args.only or SECTIONS)
    q = args.quick
    started = time.monotonic()
    header = ["## openscale-creds benchmark", "", *machine()]
    rows: list[Row] = []
    parse_rows: list[ParseRow] = []
    notes: list[str] = []
    sys.path.insert(0, str(HERE))
    tmp = Path(tempfile.mkdtemp(prefix="openscale-creds-bench-"))
    try:
        box = Sandbox(tmp)
        if "startup" in only:
            bench_startup(box, 4 if q else 20, rows, notes)
        if "call" in only:
            bench_call(box, 4 if q else 15, rows, notes)
        if "flow" in only:
            bench_flow(box, 2 if q else 7, rows, notes)
        if "sso" in only:
            bench_sso(box, 4 if q else 15, rows, notes)
        if "parse" in only:
            bench_parse(box, (100, 1_000) if q else SIZES, parse_rows, notes)
    except BenchError as exc:
        log(f"bench: {exc}")
        return 2
    finally:
        if args.keep:
            log(f"bench: kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    header.append(f"- Load average at the end: {load}; the whole run took {time.monotonic() - started:.0f} s")
    if hasattr(os, "getloadavg") and max(os.getloadavg()[:2]) > (os.cpu_count() or 1):
        header.append(
            "- **Warning:** other processes kept every CPU busy during this run, so start-up costs (and "
            "every ratio against a fixed latency) are inflated; rerun on a quiet machine for the README."
        )
    header.append(
        "- Reproduce: `make bench` (or `.venv/bin/python bench/bench.py [--only SECTION] [--strict]`)"
    )
    print_report(rows, parse_rows, notes, header)
    failed = [r.what for r in rows if r.ok is False]
    failed += [f"{p.listing} {p.size}" for p in parse_rows if p.ok is False]
    if failed:
        log(f"bench: {len(failed)} target(s) missed")
        return 1 if args.strict else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
