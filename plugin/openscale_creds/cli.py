"""The root Typer app: global options, the shared option types, the command registry, the plan
printer, and `main`, the only place errors become exit codes.

Each command lives in a module of `openscale_creds.commands` (one per family) and reads like
"convert the options, call one workflow function, render the result"; `COMMANDS` names them.
Start-up time matters (scripts call `instance --field guid` in loops): module-level imports stay
minimal, and everything heavy is imported inside the command that needs it.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import click
import typer

from openscale_creds import __version__
from openscale_creds.choices import SHELLS
from openscale_creds.errors import CredsError, ExitCode, UnrecognisedOutput

if TYPE_CHECKING:
    from openscale_creds.ibmcloud import IbmCloudCli
    from openscale_creds.ui import TerminalUi
    from openscale_creds.workflow.login import LoginOptions
    from openscale_creds.workflow.plans import Plan

PROG = "openscale-creds"

app = typer.Typer(
    name=PROG,
    help="From the ibmcloud CLI to working IBM Watson OpenScale credentials.",
    no_args_is_help=True,
    add_completion=False,
    # A traceback's locals can hold an API key.
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


@dataclass
class Settings:
    """The global options, for every command (`settings(ctx)`)."""

    ibmcloud: str | None
    timeout: float
    verbose: bool
    dry_run: bool
    shell: str | None

    def connect(self, *, passcode_stdin: bool = False) -> tuple[IbmCloudCli, TerminalUi]:
        """The facade over the chosen `ibmcloud` (CliNotFound, exit 3, if there is none) and the terminal."""
        from openscale_creds.ibmcloud import IbmCloudCli
        from openscale_creds.runner import Runner, resolve_ibmcloud
        from openscale_creds.ui import TerminalUi
        from openscale_creds.workflow.login import renew_sessions_with_key

        ui = TerminalUi(passcode_stdin=passcode_stdin)
        log = ui.log if self.verbose else None
        cloud = IbmCloudCli(Runner(resolve_ibmcloud(self.ibmcloud), timeout=self.timeout, log=log))
        renew_sessions_with_key(cloud, ui, os.environ)
        return cloud, ui

    def shell_name(self) -> str:
        from openscale_creds.shellquote import detect_shell

        return self.shell or detect_shell()


def settings(ctx: typer.Context) -> Settings:
    found: Settings = ctx.find_root().obj  # set by the root callback, which runs before any command
    return found


def _version(value: bool) -> None:
    if value:
        print(f"{PROG} {__version__}")
        raise typer.Exit()


def choice(values: tuple[str, ...]) -> click.Choice:  # type: ignore[type-arg]
    """An option type that accepts only `values`: a bad one exits 2 before any work."""
    return click.Choice(values)


def choice_option(name: str, values: tuple[str, ...], help: str, *, metavar: str | None = None) -> Any:
    """`typer.Option(name)` accepting only `values`, listed where `help` says `{choices}`."""
    listed = help.format(choices=", ".join(values))
    return typer.Option(name, metavar=metavar, click_type=choice(values), help=listed)


@app.callback()
def _global(
    ctx: typer.Context,
    ibmcloud: Annotated[
        str | None,
        typer.Option(
            "--ibmcloud",
            envvar="OPENSCALE_CREDS_IBMCLOUD",
            metavar="PATH",
            help="The ibmcloud executable (default: ibmcloud on PATH; ibmcloud.exe on Windows).",
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", metavar="SECONDS", min=0.1, help="Limit for each ibmcloud call.")
    ] = 60.0,
    verbose: Annotated[
        bool, typer.Option("--verbose", help="Log each ibmcloud command (secrets masked) to stderr.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the ibmcloud commands instead of running them.")
    ] = False,
    shell: Annotated[
        str | None,
        choice_option(
            "--shell", SHELLS, "Quote --dry-run output for: {choices} (default: detected).", metavar="SHELL"
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    ctx.obj = Settings(ibmcloud=ibmcloud, timeout=timeout, verbose=verbose, dry_run=dry_run, shell=shell)


# --- shared option types -------------------------------------------------------------------------

SsoOpt = Annotated[bool, typer.Option("--sso", help="Log in with a one-time code (federated ID).")]
ApiKeyFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--apikey-file", metavar="FILE", help="Log in with the API key in FILE (raw or ibmcloud JSON)."
    ),
]
PasscodeStdinOpt = Annotated[
    bool, typer.Option("--passcode-stdin", help="Read the one-time code as one line from stdin (scripts).")
]
AccountOpt = Annotated[
    str | None,
    typer.Option("--account", metavar="ID_OR_NAME", help="Account ID (32 hex) or exact name."),
]
RegionOpt = Annotated[str | None, typer.Option("--region", metavar="REGION", help="Region to target.")]
NoRegionOpt = Annotated[bool, typer.Option("--no-region", help="Do not target a region.")]
GroupOpt = Annotated[str | None, typer.Option("--group", metavar="GROUP", help="Resource group to target.")]
BrowserOpt = Annotated[
    bool | None,
    typer.Option(
        "--browser/--no-browser", help="Let ibmcloud open the passcode page (default: if a display)."
    ),
]
LocationOpt = Annotated[
    str | None,
    typer.Option("--location", metavar="REGION", help="Only instances in this region."),
]
CredentialsFileArg = Annotated[
    Path | None,
    typer.Argument(help="Credentials file (default: the profile, see -p)."),
]
ProfileOpt = Annotated[
    str | None,
    typer.Option(
        "--profile",
        "-p",
        metavar="NAME",
        help="Profile to use (default: OPENSCALE_CREDS_PROFILE, else 'default').",
    ),
]
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        metavar="keychain|file",
        click_type=click.Choice(("keychain", "file"), case_sensitive=False),
        help="Where a new key is kept: the OS keychain or a 0600 file (env OPENSCALE_CREDS_STORE; "
        "default: the keychain when one works).",
    ),
]


def login_options(
    sso: bool,
    apikey_file: Path | None,
    passcode_stdin: bool,
    account: str | None,
    region: str | None,
    no_region: bool,
    group: str | None,
    browser: bool | None,
) -> LoginOptions:
    """The login options `login` and `setup` share (LoginOptions refuses the exclusive pairs)."""
    from openscale_creds.workflow.login import LoginOptions

    return LoginOptions(
        sso=sso,
        apikey_file=apikey_file,
        passcode_stdin=passcode_stdin,
        account=account,
        region=region,
        no_region=no_region,
        group=group,
        browser=browser,
    )


# --- rendering -----------------------------------------------------------------------------------


def dry_run(ctx: typer.Context, plan: Callable[[], Plan]) -> bool:
    """With --dry-run, print the plan (built only then) and say so: the command does nothing else."""
    if not settings(ctx).dry_run:
        return False
    print_plan(settings(ctx), plan())
    return True


def print_plan(settings: Settings, steps: Plan) -> None:
    """A --dry-run's output: each step's comment and command, quoted for the chosen shell."""
    from openscale_creds.shellquote import comment, render_command
    from openscale_creds.ui import emit

    shell = settings.shell_name()
    program = _display_program(settings)
    lines = []
    for step in steps:
        if step.comment:
            lines.append(comment(step.comment, shell))  # type: ignore[arg-type]
        if step.args is not None:
            lines.append(render_command(step.args, shell, program=program))  # type: ignore[arg-type]
    emit("".join(f"{line}\n" for line in lines))


def _display_program(settings: Settings) -> str:
    """`ibmcloud` when that is what the shell would find, else the full path."""
    from openscale_creds.runner import resolve_ibmcloud

    try:
        path = resolve_ibmcloud(settings.ibmcloud)
    except CredsError:
        return "ibmcloud"
    on_path = shutil.which("ibmcloud")
    return "ibmcloud" if on_path and Path(on_path).resolve() == Path(path).resolve() else path


def json_text(data: Any) -> str:
    """Data as the JSON every command prints: indented, non-ASCII kept, one final newline."""
    import json

    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# --- the commands --------------------------------------------------------------------------------

# Command name -> "module:function" in openscale_creds.commands, and its line in --help. The help
# lines live here so that a lazy root app could list every command without importing any of them.
COMMANDS: dict[str, tuple[str, str]] = {
    "login": ("session:login", "Log ibmcloud in (API key or --sso); reuse a usable session."),
    "target": ("session:target", "Target a resource group, then print the resulting target."),
    "instance": ("instance:instance", "Resolve one service instance and print its fields."),
    "parse": ("parse:parse", "Read captured ibmcloud output and print it as JSON."),
    "doctor": ("session:doctor", "Show the CLI, its version, login and target, and what to fix."),
    "setup": ("credfiles:setup", "Log in, find the instance, create an API key, write credentials."),
    "verify": ("credfiles:verify", "Prove stored credentials work, in a private session."),
    "rotate": ("credfiles:rotate", "Create a new key, write and verify it, delete the old key."),
    "ids": ("instance:ids", "Show the data mart, binding, subscription and deployment IDs."),
    "list": ("profiles:list_", "List the profiles: instance, key, where its secret is."),
    "env": ("profiles:env", "Print a profile's credentials as shell variables; creates nothing."),
    "exec": ("profiles:exec_", "Run a command with a profile's credentials in its environment."),
    "remove": ("profiles:remove", "Delete a profile's API key in IBM Cloud, then the profile."),
    "api-key create": ("apikey:create", "Create an API key; it is shown once, so store it now."),
    "api-key list": ("apikey:list_", "List your API keys, marking the profile or file that holds each."),
    "api-key delete": ("apikey:delete", "Delete an API key (and drop a profile that held it)."),
}
GROUPS: dict[str, str] = {"api-key": "Manage IBM Cloud API keys."}


def _register() -> None:
    groups: dict[str, typer.Typer] = {}
    for name, (where, short_help) in COMMANDS.items():
        module, function = where.split(":")
        # __import__ rather than importlib.import_module: this path shows in `python -X importtime`.
        command = getattr(__import__(f"openscale_creds.commands.{module}", fromlist=[function]), function)
        group, _, leaf = name.rpartition(" ")
        if group and group not in groups:
            groups[group] = typer.Typer(help=GROUPS[group], no_args_is_help=True)
            app.add_typer(groups[group], name=group)
        # A command may ask for its own parsing rules (`exec` stops at COMMAND: its options are COMMAND's).
        context = getattr(command, "context_settings", None)
        (groups[group] if group else app).command(leaf, short_help=short_help, context_settings=context)(
            command
        )


# --- entry point ---------------------------------------------------------------------------------


def _fail(exc: CredsError) -> NoReturn:
    from openscale_creds import redact

    message = redact.for_terminal(str(exc))
    if isinstance(exc, UnrecognisedOutput) and exc.raw:
        saved = _save_debug(exc.raw)
        if saved:
            message += (
                f"\n{PROG}: the raw output (secrets masked) is in {saved}; please attach it to a bug report"
            )
    print(f"{PROG}: error: {message}", file=sys.stderr)
    sys.exit(int(exc.exit_code))


def _save_debug(raw: str) -> str | None:
    import tempfile

    from openscale_creds import redact

    try:
        fd, name = tempfile.mkstemp(prefix=f"{PROG}-output-", suffix=".txt")  # created 0600
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(redact.mask(raw))
        return name
    except OSError:
        return None


def _terminated(_signum: int, _frame: object) -> None:
    # SIGTERM / SIGHUP (a closed terminal, `timeout`, a cancelled job) take the Ctrl-C path: the
    # ibmcloud child runs in its own session, so only we can stop it and clean up.
    raise KeyboardInterrupt


def _prepare_process() -> None:
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _terminated)
    for stream in (sys.stdout, sys.stderr):
        # Never crash on a non-ASCII name under a legacy code page (emit() keeps data exact).
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def _exit(code: int, message: str | None = None) -> NoReturn:
    if message:
        print(f"{PROG}: {message}", file=sys.stderr)
    sys.exit(int(code))


def main(argv: list[str] | None = None) -> NoReturn:
    """The console script: run the command, then map what it raised to one line and an exit code."""
    from openscale_creds import plugin_metadata

    if plugin_metadata.is_metadata_request(sys.argv[1:] if argv is None else argv):
        sys.exit(plugin_metadata.send_metadata())  # `ibmcloud plugin install` reads only this JSON
    _prepare_process()
    try:
        # Without standalone mode Typer returns, rather than raises, the code of a `typer.Exit`, and it
        # turns a Ctrl-C that reaches it as KeyboardInterrupt into Exit(130): both arrive here as `code`.
        code = app(args=plugin_metadata.rebuild_argv(argv, os.environ), prog_name=PROG, standalone_mode=False)
    except CredsError as exc:
        _fail(exc)
    except click.exceptions.Exit as exc:
        _exit(exc.exit_code)
    except (KeyboardInterrupt, click.exceptions.Abort):
        _exit(ExitCode.INTERRUPTED, "interrupted")
    except click.ClickException as exc:  # a usage error found by the option parser
        exc.show()
        _exit(ExitCode.USAGE)
    except BrokenPipeError:
        _exit(ExitCode.OK)
    except Exception as exc:
        from openscale_creds import redact

        _exit(
            ExitCode.INTERNAL,
            f"internal error: {type(exc).__name__}: {redact.for_terminal(str(exc))[:300]}"
            " (please report it; run with --verbose for the ibmcloud commands)",
        )
    code = code if isinstance(code, int) else ExitCode.OK
    _exit(code, "interrupted" if code == ExitCode.INTERRUPTED else None)


_register()  # last: the command modules import the shared pieces above
