"""The root Typer app: global options, the shared option types, the command registry, the plan
printer, and `main`, the only place errors become exit codes.

Each command lives in a module of `openscale_creds.commands` (one per family) and reads like
"convert the options, call one workflow function, render the result"; `COMMANDS` names them.
Start-up time matters (scripts call `instance --field guid` in loops): the root is a lazy Click group
(`LazyGroup`) that lists the commands from `COMMANDS` and imports and builds only the one that runs,
so `--help`, `--version` and completion import no command module; module-level imports stay minimal,
and everything heavy is imported inside the command that needs it.

Global options may also follow the command (`instance X --verbose`): `move_global_options` moves them
in front before Click parses, the one mover shared with the `ibmcloud` plug-in dispatch.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import click
import typer
import typer.completion
import typer.main
from typer.core import TyperGroup
from typer.models import CommandInfo

from openscale_creds import __version__
from openscale_creds.choices import OUTPUT_FORMATS, SHELLS
from openscale_creds.errors import CredsError, ExitCode, ReaderGone, UnrecognisedOutput, UsageError

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from openscale_creds.ibmcloud import IbmCloudCli
    from openscale_creds.ui import TerminalUi
    from openscale_creds.workflow.login import LoginOptions
    from openscale_creds.workflow.plans import Plan

PROG = "openscale-creds"
# `-h` as well as `--help`, on every command (subcommand contexts inherit it from the root's).
CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"]}


class LazyGroup(TyperGroup):
    """A command group whose commands come from `COMMANDS`/`GROUPS` and are imported and built on
    first use (Click's documented lazy-loading pattern: `list_commands`/`get_command`). Its help
    lists every command with its registry line without importing any command module."""

    # The group's words in the registry: () for the root, ("api-key",) for `api-key`.
    path: tuple[str, ...] = ()

    def entries(self) -> dict[str, str]:
        """The names below this group, in registry order, with their one-line help."""
        found: dict[str, str] = {}
        depth = len(self.path)
        for name, (_where, line) in COMMANDS.items():
            words = tuple(name.split())
            if words[:depth] != self.path or len(words) == depth:
                continue
            word = words[depth]
            if word not in found:
                found[word] = line if len(words) == depth + 1 else GROUPS[" ".join(words[: depth + 1])]
        return found

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.entries())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            built = _build((*self.path, cmd_name))
            if built is None:
                return None
            self.commands[cmd_name] = built
        return self.commands[cmd_name]

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        from click.shell_completion import CompletionItem

        # From the registry, so completing a command name imports no command module.
        names = [
            CompletionItem(n, help=line) for n, line in self.entries().items() if n.startswith(incomplete)
        ]
        return names + click.Command.shell_complete(self, ctx, incomplete)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = list(self.entries().items())
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return click.Group.resolve_command(self, ctx, args)
        except click.UsageError as exc:
            import difflib  # Typer imports it anyway; only a typo pays for the lookup

            matches = difflib.get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if not matches:
                raise
            hint = ", ".join(map(repr, matches))
            raise click.UsageError(f"{exc.message.rstrip('.')}. Did you mean {hint}?", exc.ctx) from None


class RootGroup(LazyGroup):
    """The root: global options accepted after the command too, and Typer's completion options
    without Typer's per-start cost of building them from a placeholder function."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.params += completion_options()

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, move_global_options(self, args))

    def _main_shell_completion(self, ctx_args: Any, prog_name: str, complete_var: str | None = None) -> None:
        if os.environ.get(complete_var or f"_{prog_name}_COMPLETE".replace("-", "_").upper()):
            # Typer's completion classes (bash, zsh, fish, PowerShell), registered only when asked.
            from typer._completion_classes import completion_init

            completion_init()
        super()._main_shell_completion(ctx_args, prog_name, complete_var)


COMPLETION_SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")


def completion_options() -> list[click.Parameter]:
    """Typer's `--install-completion` and `--show-completion`, each also taking the shell by name
    (`--show-completion powershell`) where Typer's only detect the current one."""
    return [
        click.Option(
            [f"--{action}-completion"],
            is_flag=False,
            flag_value="",  # no SHELL: the shell this runs in (Typer detects it)
            metavar="[SHELL]",
            expose_value=False,
            is_eager=True,
            callback=_completion_callback(callback),
            help=f"{action.capitalize()} completion for SHELL ({', '.join(COMPLETION_SHELLS)}; "
            "default: the current shell).",
        )
        for action, callback in (
            ("install", typer.completion.install_callback),
            ("show", typer.completion.show_callback),
        )
    ]


def _completion_callback(typer_callback: Callable[..., Any]) -> Callable[..., Any]:
    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
        if value is None or ctx.resilient_parsing:
            return
        if value and value not in COMPLETION_SHELLS:
            raise click.BadParameter(f"{value!r} is not one of {', '.join(COMPLETION_SHELLS)}", ctx, param)
        from typer._completion_classes import completion_init

        completion_init()
        typer_callback(ctx, param, value or True)

    return callback


def _build(path: tuple[str, ...]) -> click.Command | None:
    """The Click command (or lazy group) registered under `path`, importing only its module."""
    name = " ".join(path)
    if name in COMMANDS:
        where, short_help = COMMANDS[name]
        module, function = where.split(":")
        # __import__ rather than importlib.import_module: this path shows in `python -X importtime`.
        callback = getattr(__import__(f"openscale_creds.commands.{module}", fromlist=[function]), function)
        resolve_annotations(callback)
        # A command may ask for its own parsing rules (`exec` stops at COMMAND: its options are COMMAND's).
        own = getattr(callback, "context_settings", None) or {}
        info = CommandInfo(
            name=path[-1],
            callback=callback,
            short_help=short_help,
            context_settings={**CONTEXT_SETTINGS, **own},
        )
        return typer.main.get_command_from_info(info, pretty_exceptions_short=False, rich_markup_mode=None)
    if name in GROUPS:
        group = LazyGroup(
            name=path[-1],
            help=GROUPS[name],
            no_args_is_help=True,
            context_settings=CONTEXT_SETTINGS,
            rich_markup_mode=None,
        )
        group.path = path
        return group
    return None


def resolve_annotations(function: Callable[..., Any]) -> None:
    """Evaluate a command function's annotations once, in place. They are strings (this package's
    `from __future__ import annotations`), and Typer reads a signature three times while building a
    command, evaluating each string twice every time: a millisecond of every start."""
    import typing

    function.__annotations__ = typing.get_type_hints(function, include_extras=True)


def move_global_options(root: click.Group, args: list[str]) -> list[str]:
    """`args` with the root's options that follow the command moved in front of it, reading tokens
    the way Click will: an option that takes a value consumes the next token whatever it looks like,
    the command's own options win over a global of the same name, and nothing after `--` moves.
    Anything this cannot place (no command, an unknown one, a group without its command) is left
    as it is for Click to report."""
    start = _skip_options(_option_table(root), args, 0)
    if start is None or start >= len(args):
        return args
    command: click.Command = root
    end = start
    while isinstance(command, click.Group):
        if end >= len(args):
            return args
        sub = command.get_command(click.Context(command, info_name=PROG), args[end])
        if sub is None:
            return args
        command, end = sub, end + 1
    # A command that stops reading options at its first argument (`exec COMMAND ARGS...`) leaves
    # everything from there on alone: those are COMMAND's options, not ours.
    interspersed = command.context_settings.get("allow_interspersed_args", True)
    hoisted, rest = _split_global_options(
        _option_table(root), _option_table(command), args[end:], interspersed=interspersed
    )
    return [*args[:start], *hoisted, *args[start:end], *rest]


def _option_table(command: click.Command) -> dict[str, click.Option]:
    return {
        name: p
        for p in command.params
        if isinstance(p, click.Option)
        for name in (*p.opts, *p.secondary_opts)
    }


def _takes_value(option: click.Option | None, token: str) -> bool:
    return option is not None and not option.is_flag and not option.count and "=" not in token


def _skip_options(options: dict[str, click.Option], args: list[str], i: int) -> int | None:
    """The index of the first token after the options at `i` (None: `--` came first)."""
    while i < len(args) and args[i].startswith("-"):
        if args[i] == "--":
            return None
        i += 1 + _takes_value(options.get(args[i].split("=", 1)[0]), args[i])
    return i


def _split_global_options(
    root: dict[str, click.Option],
    leaf: dict[str, click.Option],
    args: list[str],
    *,
    interspersed: bool = True,
) -> tuple[list[str], list[str]]:
    hoisted: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--" or (not interspersed and not arg.startswith("-")):
            rest += args[i:]
            break
        name = arg.split("=", 1)[0]
        if name in leaf:
            taken = 1 + _takes_value(leaf[name], arg)
            rest += args[i : i + taken]
        elif name in root and arg.startswith("-"):
            taken = 1 + _takes_value(root[name], arg)
            hoisted += args[i : i + taken]
        else:
            taken = 1
            rest.append(arg)
        i += taken
    return hoisted, rest


app = typer.Typer(
    name=PROG,
    cls=RootGroup,
    help="From the ibmcloud CLI to working IBM Watson OpenScale credentials.",
    no_args_is_help=True,
    context_settings=CONTEXT_SETTINGS,
    # RootGroup adds Typer's completion options itself, without Typer's start-up cost.
    add_completion=False,
    # A traceback's locals can hold an API key.
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


class Settings:
    """The global options, for every command (`settings(ctx)`). A plain class rather than a dataclass:
    nothing else on the path of `instance --field guid` needs `dataclasses`, whose import and class
    building every start would pay."""

    def __init__(
        self,
        *,
        ibmcloud: str | None,
        timeout: float,
        verbose: bool,
        dry_run: bool,
        shell: str | None,
        quiet: bool = False,
    ) -> None:
        self.ibmcloud = ibmcloud
        self.timeout = timeout
        self.verbose = verbose
        self.dry_run = dry_run
        self.shell = shell
        self.quiet = quiet

    def __repr__(self) -> str:
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"

    def connect(self, *, passcode_stdin: bool = False) -> tuple[IbmCloudCli, TerminalUi]:
        """The facade over the chosen `ibmcloud` (CliNotFound, exit 3, if there is none) and the terminal."""
        from openscale_creds.ibmcloud import IbmCloudCli
        from openscale_creds.runner import Runner, resolve_ibmcloud
        from openscale_creds.ui import TerminalUi

        if passcode_stdin and sys.stdin is None:
            raise UsageError(
                "--passcode-stdin: standard input is closed, so no one-time code can be read",
                hint="pipe the code in",
            )
        ui = TerminalUi(passcode_stdin=passcode_stdin, quiet=self.quiet)
        log = ui.log if self.verbose else None
        cloud = IbmCloudCli(Runner(resolve_ibmcloud(self.ibmcloud), timeout=self.timeout, log=log))
        if os.environ.get("IBMCLOUD_API_KEY"):
            # Only then is there a key to renew an expired session with; the login workflow (and the
            # modules it imports) is not paid for by every `instance --field guid` otherwise.
            from openscale_creds.workflow.login import renew_sessions_with_key

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


# A day: longer is no limit at all, and far larger values overflow the clocks that enforce it.
MIN_TIMEOUT, MAX_TIMEOUT = 0.1, 86400.0


def _check_timeout(value: float) -> float:
    """--timeout as a number of seconds the clocks can hold: `inf`, `nan`, 0 and negatives exit 2."""
    import math

    if not (math.isfinite(value) and MIN_TIMEOUT <= value <= MAX_TIMEOUT):
        raise typer.BadParameter(
            f"{value!r} is not a number of seconds from {MIN_TIMEOUT:g} to {MAX_TIMEOUT:g}"
        )
    return value


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
        float,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            callback=_check_timeout,
            help=f"Limit for each ibmcloud call and HTTP request ({MIN_TIMEOUT:g} to {MAX_TIMEOUT:g}).",
        ),
    ] = 60.0,
    verbose: Annotated[
        bool, typer.Option("--verbose", help="Log each ibmcloud command (secrets masked) to stderr.")
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="No progress lines: only data, warnings, errors and prompts."),
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
    ctx.obj = Settings(
        ibmcloud=ibmcloud, timeout=timeout, verbose=verbose, dry_run=dry_run, shell=shell, quiet=quiet
    )


resolve_annotations(_global)


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


def complete_profile(incomplete: str) -> list[str]:
    """Profile names starting with `incomplete`, for shell completion: read from the profiles file
    (no keychain, no secret); nothing when it cannot be read, since completion must never fail."""
    from openscale_creds.store import ProfileStore

    try:
        names = [profile.name for profile in ProfileStore().list()]
    except Exception:
        return []
    return [name for name in names if name.startswith(incomplete)]


ProfileOpt = Annotated[
    str | None,
    typer.Option(
        "--profile",
        "-p",
        metavar="NAME",
        help="The profile (default: $OPENSCALE_CREDS_PROFILE, else default).",
        autocompletion=complete_profile,
    ),
]
FormatOpt = Annotated[
    str,
    choice_option(
        "--format",
        OUTPUT_FORMATS,
        "Output format: {choices} (json and yaml: one document on stdout).",
        metavar="FORMAT",
    ),
]
CredentialsFileArg = Annotated[
    Path | None,
    typer.Argument(help="Credentials file (default: the profile, see -p)."),
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


def yaml_text(data: Any) -> str:
    """The same document as `json_text`, in YAML (keys in their order, non-ASCII kept)."""
    import yaml

    return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def mapping_text(data: dict[str, Any]) -> str:
    """A flat mapping as aligned `key: value` lines (None as nothing), the text view of a record."""
    width = max(len(k) for k in data) + 2
    return "".join(f"{k + ':':<{width}}{'' if v is None else v}\n" for k, v in data.items())


def render_document(data: Any, fmt: str, text: Callable[[], str] | None = None) -> str:
    """`data` in an output `--format`: json or yaml (one document), else `text()` (default: the
    `key: value` lines of a flat mapping)."""
    if fmt == "json":
        return json_text(data)
    if fmt == "yaml":
        return yaml_text(data)
    return text() if text is not None else mapping_text(data)


def report_format(fmt: str | None) -> str | None:
    """The structured format a command that reports on stderr in text prints its one document in
    (json or yaml), or None for text: that command's stdout then stays as it was, empty."""
    return fmt if fmt in ("json", "yaml") else None


# --- the commands --------------------------------------------------------------------------------

# Command name -> "module:function" in openscale_creds.commands, and its line in --help: the first
# line of the function's docstring (tests/test_perf_guards.py checks they agree), kept here so the
# lazy root lists every command without importing any of them. A group's words come first
# ("api-key create"); `GROUPS` gives each group its line.
COMMANDS: dict[str, tuple[str, str]] = {
    "login": (
        "session:login",
        "Log ibmcloud in (API key from IBMCLOUD_API_KEY or --apikey-file, or --sso); reuse a usable session.",
    ),
    "target": ("session:target", "Target a resource group, then print the resulting target."),
    "instance": (
        "instance:instance",
        "Resolve exactly one service instance and print its normalised fields.",
    ),
    "parse": ("parse:parse", "Read captured ibmcloud output and print the normalised result as JSON."),
    "doctor": (
        "session:doctor",
        "Find the CLI, show its version, login state and target, and say what to fix.",
    ),
    "setup": (
        "credfiles:setup",
        "Log in, find the instance, reuse or create an API key, and store the credentials.",
    ),
    "verify": (
        "credfiles:verify",
        "Prove stored credentials work, in a private session that leaves yours alone.",
    ),
    "rotate": ("credfiles:rotate", "Create a new key, store and verify it, then delete the old key."),
    "ids": (
        "instance:ids",
        "Show the data mart, binding, subscription and deployment IDs of an OpenScale instance.",
    ),
    "list": (
        "profiles:list_",
        "List the profiles: instance, API key, where its secret is, and the default.",
    ),
    "env": ("profiles:env", "Print a profile's credentials in a shell's syntax (eval it), creating nothing."),
    "exec": (
        "profiles:exec_",
        "Run COMMAND with a profile's credentials in its environment; its exit code is ours.",
    ),
    "remove": (
        "profiles:remove",
        "Delete a profile's API key in IBM Cloud, then its stored secret and the profile.",
    ),
    "api-key create": ("apikey:create", "Create an API key; the key is shown once, so store it now."),
    "api-key list": (
        "apikey:list_",
        "List your API keys, marking those held by a profile or file.",
    ),
    "api-key delete": (
        "apikey:delete",
        "Delete an API key (asks at a terminal) and drop a profile that held it.",
    ),
}
GROUPS: dict[str, str] = {"api-key": "Manage IBM Cloud API keys."}


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
    _say(f"{PROG}: error: {message}")
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


def _guard_standard_fds() -> None:
    """Give each of descriptors 0, 1, 2 the command started without (`<&-`, `>&-`, `2>&-`) the null
    device, so that no file opened later takes its number: nothing meant for a file may land on what
    a child or a later write takes for stdout. sys.stdin and sys.stdout stay None (Python's sign that
    they were closed), so reading a code or writing data there is refused with a message; stderr
    becomes the null device: messages are lost, but the exit code still tells what happened."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            with contextlib.suppress(OSError):
                opened = os.open(os.devnull, os.O_RDWR)
                if opened != fd:
                    os.dup2(opened, fd)
                    os.close(opened)
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (lives as long as the process)


def _say(line: str) -> None:
    """One line on stderr; a stderr that cannot take it (a pipe nobody reads) must not change the exit
    code, nor fail again when Python flushes at exit."""
    from openscale_creds.ui import abandon

    try:
        print(line, file=sys.stderr, flush=True)
    except OSError:
        abandon(sys.stderr)


def _prepare_process() -> None:
    _guard_standard_fds()
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
        _say(f"{PROG}: {message}")
    sys.exit(int(code))


def main(argv: list[str] | None = None) -> NoReturn:
    """The console script: run the command, then map what it raised to one line and an exit code."""
    if argv is not None:  # in-process (tests, a caller's own code): the interpreter goes on
        _main(argv)
    try:
        _main(argv)
    finally:
        # The process ends here. Its last garbage collection walks every object the imports made
        # (about 15 ms, a fifth of a start): freezing them skips that walk. Only objects in reference
        # cycles are left to the OS, as `os._exit` would; atexit handlers, stream flushing and
        # everything freed by reference counting run as usual.
        import gc

        gc.freeze()


def _main(argv: list[str] | None) -> NoReturn:
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
        with contextlib.suppress(OSError):
            exc.show()
        _exit(ExitCode.USAGE)
    except ReaderGone:
        # The program reading our data left (`| head -1`): it took what it wanted. Output holding a
        # new key never gets here (ui.emit_secret refuses, and the key is deleted).
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
