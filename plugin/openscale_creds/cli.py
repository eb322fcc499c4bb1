"""The Typer app: options -> one core call -> render. The only place errors become exit codes.

Start-up time matters (scripts call `instance --field guid` in loops): module-level imports stay
minimal; everything heavy is imported inside the command that needs it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from openscale_creds import __version__
from openscale_creds.errors import CredsError, ExitCode, UnrecognisedOutput, UsageError

if TYPE_CHECKING:
    from openscale_creds.ibmcloud import IbmCloudCli
    from openscale_creds.models import Target
    from openscale_creds.runner import Runner
    from openscale_creds.ui import TerminalUi
    from openscale_creds.workflow import LoginOptions, PlanStep

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
api_key_app = typer.Typer(help="Manage IBM Cloud API keys.", no_args_is_help=True)
app.add_typer(api_key_app, name="api-key")


@dataclass
class Settings:
    ibmcloud: str | None
    timeout: float
    verbose: bool
    dry_run: bool
    shell: str | None

    def runner(self, ui: TerminalUi) -> Runner:
        from openscale_creds.runner import Runner, resolve_ibmcloud

        log = ui.log if self.verbose else None
        return Runner(resolve_ibmcloud(self.ibmcloud), timeout=self.timeout, log=log)

    def shell_name(self) -> str:
        from openscale_creds.shellquote import detect_shell

        return self.shell or detect_shell()


def _settings(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    assert isinstance(obj, Settings)
    return obj


def _version(value: bool) -> None:
    if value:
        print(f"{PROG} {__version__}")
        raise typer.Exit()


SHELLS = ("posix", "cmd", "bat", "powershell", "powershell5")


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
        typer.Option(
            "--shell",
            metavar="SHELL",
            help="Quote --dry-run output for: posix, cmd, bat, powershell, powershell5 (default: detected).",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    if shell is not None and shell not in SHELLS:
        raise typer.BadParameter(f"must be one of {', '.join(SHELLS)}", param_hint="--shell")
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


def _login_options(
    sso: bool,
    apikey_file: Path | None,
    passcode_stdin: bool,
    account: str | None,
    region: str | None,
    no_region: bool,
    group: str | None,
    browser: bool | None,
) -> LoginOptions:
    from openscale_creds.workflow import LoginOptions

    if region and no_region:
        raise UsageError("--region and --no-region exclude each other")
    if sso and apikey_file:
        raise UsageError("--sso and --apikey-file exclude each other")
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


def _core(settings: Settings, *, passcode_stdin: bool = False) -> tuple[Runner, IbmCloudCli, TerminalUi]:
    from openscale_creds.ibmcloud import IbmCloudCli
    from openscale_creds.ui import TerminalUi

    ui = TerminalUi(passcode_stdin=passcode_stdin)
    runner = settings.runner(ui)
    cli = IbmCloudCli(runner)
    key = os.environ.get("IBMCLOUD_API_KEY")
    if key:
        # An expired session is renewed once with the key the user gave us, then the command retried.
        cli.relogin = lambda: ui.info(f"Session expired; logged in again as {cli.login_apikey(key).user}")
    return runner, cli, ui


def _print_plan(settings: Settings, steps: list[PlanStep]) -> None:
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
    import shutil

    from openscale_creds.runner import resolve_ibmcloud

    try:
        path = resolve_ibmcloud(settings.ibmcloud)
    except CredsError:
        return "ibmcloud"
    on_path = shutil.which("ibmcloud")
    return "ibmcloud" if on_path and Path(on_path).resolve() == Path(path).resolve() else path


# --- commands ------------------------------------------------------------------------------------


@app.command()
def login(
    ctx: typer.Context,
    sso: SsoOpt = False,
    apikey_file: ApiKeyFileOpt = None,
    passcode_stdin: PasscodeStdinOpt = False,
    account: AccountOpt = None,
    region: RegionOpt = None,
    no_region: NoRegionOpt = False,
    group: GroupOpt = None,
    browser: BrowserOpt = None,
) -> None:
    """Log ibmcloud in (API key from IBMCLOUD_API_KEY or --apikey-file, or --sso); reuse a usable session."""
    from openscale_creds import workflow

    settings = _settings(ctx)
    opts = _login_options(sso, apikey_file, passcode_stdin, account, region, no_region, group, browser)
    if settings.dry_run:
        _print_plan(settings, workflow.plan_login(opts, os.environ))
        return
    runner, cli, ui = _core(settings, passcode_stdin=passcode_stdin)
    _target, fresh = workflow.login(cli, runner, opts, ui, environ=os.environ)
    if not fresh:
        ui.info("Already logged in; nothing to do.")


@api_key_app.command("create")
def api_key_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Name of the new API key.")],
    description: Annotated[str, typer.Option("--description", help="Description of the key.")] = "",
    file: Annotated[
        Path | None,
        typer.Option("--file", metavar="FILE", help="Write the key record as JSON to FILE (0600)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Create an API key; the key is shown once, so store it now."""
    import json

    from openscale_creds import secretfile, workflow
    from openscale_creds.ibmcloud import api_key_create_args
    from openscale_creds.ui import emit

    settings = _settings(ctx)
    desc = description or f"created by {PROG}"
    if settings.dry_run:
        _print_plan(settings, [workflow.PlanStep(tuple(api_key_create_args(name, desc)))])
        return
    if file is not None:
        secretfile.check_target(file, force=force)
    _, cli, _ui = _core(settings)
    with workflow.sigint_deferred():
        key = workflow.create_key(cli, name, desc)
        record = {
            "name": key.name,
            "id": key.id,
            "apikey": key.apikey,
            "created_at": key.created_at,
            "description": key.description,
        }
        if file is not None:
            secretfile.write_secret(
                file, json.dumps(record, indent=2, ensure_ascii=False) + "\n", force=force
            )
    if file is None:
        emit(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
        print("warning: store this key now: it cannot be retrieved again", file=sys.stderr)
    else:
        public = {k: v for k, v in record.items() if k != "apikey"}
        emit(json.dumps({**public, "file": str(file)}, indent=2, ensure_ascii=False) + "\n")


@app.command()
def target(
    ctx: typer.Context,
    group: Annotated[str, typer.Argument(help="Resource group name or ID.")],
) -> None:
    """Target a resource group, then print the resulting target."""
    from openscale_creds import workflow
    from openscale_creds.ibmcloud import validate_name
    from openscale_creds.ui import emit

    settings = _settings(ctx)
    if settings.dry_run:
        _print_plan(settings, [workflow.PlanStep(("target", "-g", validate_name("resource group", group)))])
        return
    _, cli, _ui = _core(settings)
    result = cli.target_group(group)
    emit(_target_text(result))


def _target_text(t: Target) -> str:
    account = f"{t.account.name} ({t.account.guid})" if t.account else ""
    rows = [
        ("account", account),
        ("region", t.region or ""),
        ("resource group", t.resource_group or ""),
        ("user", t.user or ""),
    ]
    return "".join(f"{k + ':':<16}{v}\n" for k, v in rows)


FORMATS_SIMPLE = ("text", "json", "yaml")


@app.command()
def instance(
    ctx: typer.Context,
    name_or_id: Annotated[str, typer.Argument(metavar="NAME_OR_GUID_OR_CRN", help="The service instance.")],
    location: Annotated[
        str | None,
        typer.Option("--location", metavar="REGION", help="Only instances in this region."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="text, json or yaml.")] = "text",
    field: Annotated[
        str | None,
        typer.Option("--field", metavar="FIELD", help="Print only this field (e.g. guid), for $(...)."),
    ] = None,
) -> None:
    """Resolve exactly one service instance and print its normalised fields."""
    from openscale_creds import workflow
    from openscale_creds.ibmcloud import instance_args
    from openscale_creds.models import INSTANCE_FIELDS, as_dict
    from openscale_creds.ui import emit

    settings = _settings(ctx)
    if fmt not in FORMATS_SIMPLE:
        raise UsageError(f"--format must be one of {', '.join(FORMATS_SIMPLE)}")
    if field is not None and field not in INSTANCE_FIELDS:
        raise UsageError(f"unknown field {field!r}", hint=f"one of: {', '.join(INSTANCE_FIELDS)}")
    if settings.dry_run:
        _print_plan(settings, [workflow.PlanStep(tuple(instance_args(name_or_id, location)))])
        return
    _, cli, _ui = _core(settings)
    found = workflow.resolve_instance(cli, name_or_id, location=location)
    data = as_dict(found)
    if field is not None:
        value = data[field]
        emit(f"{'' if value is None else value}\n")
        return
    emit(_render_mapping(data, fmt))


def _render_mapping(data: Any, fmt: str) -> str:
    import json

    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt == "yaml":
        import yaml

        return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    width = max(len(k) for k in data) + 2
    return "".join(f"{k + ':':<{width}}{'' if v is None else v}\n" for k, v in data.items())


PARSE_KINDS = ("login", "target", "api-key", "instance", "instances", "oauth-tokens", "version")


@app.command()
def parse(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="One of: " + ", ".join(PARSE_KINDS))],
    file: Annotated[
        Path | None,
        typer.Argument(help="Captured ibmcloud output (default: stdin)."),
    ] = None,
) -> None:
    """Read captured ibmcloud output and print the normalised result as JSON."""
    import json

    from openscale_creds.parsers import parse as parse_output
    from openscale_creds.ui import emit

    if kind not in PARSE_KINDS:
        raise UsageError(f"unknown kind {kind!r}", hint=f"one of: {', '.join(PARSE_KINDS)}")
    if _settings(ctx).dry_run:
        return
    if file is None:
        data = sys.stdin.buffer.read()
    else:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {file}: {exc.strerror}") from None
    text = data.decode("utf-8", errors="replace")
    try:
        result = parse_output(kind, text)
    except UnrecognisedOutput as exc:
        exc.raw = text
        raise
    emit(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


@app.command()
def doctor(ctx: typer.Context) -> None:
    """Find the CLI, show its version, login state and target, and say what to fix."""
    from openscale_creds import workflow
    from openscale_creds.errors import NotLoggedIn
    from openscale_creds.ui import emit

    settings = _settings(ctx)
    if settings.dry_run:
        steps = [workflow.PlanStep(("--version",)), workflow.PlanStep(("target", "--output", "json"))]
        _print_plan(settings, steps)
        return
    runner, cli, _ui = _core(settings)
    emit(f"{'ibmcloud:':<16}{runner.program}\n")
    emit(f"{'version:':<16}{cli.version()}\n")
    t = cli.target()
    emit(f"{'logged in:':<16}{'yes' if t.logged_in else 'no'}\n")
    if not t.logged_in:
        raise NotLoggedIn("ibmcloud has no usable login session", hint=workflow.LOGIN_WAYS)
    emit(_target_text(t))
    if not t.resource_group:
        print("fix: no resource group targeted: run `openscale-creds target GROUP`", file=sys.stderr)


@app.command()
def setup(
    ctx: typer.Context,
    instance: Annotated[
        str, typer.Option("--instance", metavar="NAME_OR_GUID", help="The OpenScale instance.")
    ],
    group: GroupOpt = None,
    key_name: Annotated[
        str | None,
        typer.Option("--key-name", metavar="NAME", help="Name of the new API key."),
    ] = None,
    out: Annotated[
        str | None,
        typer.Option("--out", metavar="FILE|-", help="Where to write (default: the config folder)."),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", metavar="FORMAT", help="yaml, json, env, powershell, cmd, fish, dotenv."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing output file.")] = False,
    reuse_key: Annotated[
        bool, typer.Option("--reuse-key", help="Keep the key already in --out for this instance.")
    ] = False,
    location: Annotated[
        str | None,
        typer.Option("--location", metavar="REGION", help="Only instances in this region."),
    ] = None,
    sso: SsoOpt = False,
    apikey_file: ApiKeyFileOpt = None,
    passcode_stdin: PasscodeStdinOpt = False,
    account: AccountOpt = None,
    region: RegionOpt = None,
    no_region: NoRegionOpt = False,
    browser: BrowserOpt = None,
) -> None:
    """Log in, find the instance, create an API key and write OpenScale credentials."""
    from openscale_creds import credentials, secretfile, workflow
    from openscale_creds.ui import emit

    settings = _settings(ctx)
    login_opts = _login_options(sso, apikey_file, passcode_stdin, account, region, no_region, group, browser)
    target_path = out if out is not None else str(secretfile.default_credentials_path())
    chosen = fmt or credentials.format_from_path(target_path)
    if chosen not in credentials.FORMATS:
        raise UsageError(f"unknown format {chosen!r}", hint=f"one of: {', '.join(credentials.FORMATS)}")
    opts = workflow.SetupOptions(
        instance=instance,
        login=login_opts,
        out=target_path,
        fmt=chosen,
        key_name=key_name,
        force=force,
        reuse_key=reuse_key,
        location=location,
    )
    if settings.dry_run:
        _print_plan(settings, workflow.plan_setup(opts, os.environ))
        return
    runner, cli, ui = _core(settings, passcode_stdin=passcode_stdin)
    result = workflow.setup(cli, runner, opts, ui, environ=os.environ, write_stdout=emit)
    if result.path is not None:
        ui.info(f"Credentials for {result.credentials.instance_name} are in {result.path}")


def _credentials_path(file: Path | None) -> Path:
    from openscale_creds import secretfile

    return file if file is not None else secretfile.default_credentials_path()


@app.command()
def verify(
    ctx: typer.Context,
    file: Annotated[
        Path | None,
        typer.Argument(help="Credentials file (default: the config folder's credentials.yaml)."),
    ] = None,
) -> None:
    """Prove stored credentials work, in a private session that leaves yours alone."""
    from openscale_creds import workflow

    settings = _settings(ctx)
    path = _credentials_path(file)
    if settings.dry_run:
        _print_plan(settings, workflow.plan_verify(str(path)))
        return
    creds = workflow.load_credentials_file(path)
    _, cli, ui = _core(settings)
    found = workflow.verify(cli, creds, ui)
    ui.info(f"OK: the key in {path} works and sees instance {found.name} ({found.guid})")


@app.command()
def rotate(
    ctx: typer.Context,
    file: Annotated[
        Path | None,
        typer.Argument(help="Credentials file (default: the config folder's credentials.yaml)."),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", metavar="FORMAT", help="Format of FILE (default: from its extension)."),
    ] = None,
) -> None:
    """Create a new key, write and verify it, then delete the old key."""
    from openscale_creds import credentials, workflow

    settings = _settings(ctx)
    path = _credentials_path(file)
    chosen = fmt or credentials.format_from_path(str(path))
    if settings.dry_run:
        old_id = None
        with contextlib.suppress(CredsError):
            old_id = workflow.load_credentials_file(path).api_key_id
        _print_plan(settings, workflow.plan_rotate(str(path), old_id))
        return
    _, cli, ui = _core(settings)
    result = workflow.rotate(cli, path, chosen, ui)
    if not result.old_key_deleted:
        ui.warn("the old key had no recorded ID, so it was not deleted")


@app.command()
def ids(
    ctx: typer.Context,
    instance: Annotated[
        str | None,
        typer.Option(
            "--instance", metavar="NAME_OR_GUID", help="Use the ibmcloud session and this instance."
        ),
    ] = None,
    credentials_file: Annotated[
        Path | None,
        typer.Option("--credentials", metavar="FILE", help="Use the API key and instance in FILE."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="text, json or yaml.")] = "text",
    field: Annotated[
        str | None,
        typer.Option(
            "--field", metavar="FIELD", help="Print one column, e.g. subscription_ids, for scripts."
        ),
    ] = None,
    service_url: Annotated[
        str | None,
        typer.Option(
            "--service-url",
            envvar="OPENSCALE_CREDS_SERVICE_URL",
            metavar="URL",
            help="OpenScale URL (default: the instance's regional URL).",
        ),
    ] = None,
) -> None:
    """Show the data mart, binding, subscription and deployment IDs of an OpenScale instance."""
    from openscale_creds import openscale_api, redact, workflow
    from openscale_creds.ibmcloud import instance_args
    from openscale_creds.ui import emit

    settings = _settings(ctx)
    if fmt not in FORMATS_SIMPLE:
        raise UsageError(f"--format must be one of {', '.join(FORMATS_SIMPLE)}")
    if field is not None and field not in openscale_api.ID_FIELDS:
        raise UsageError(f"unknown field {field!r}", hint=f"one of: {', '.join(openscale_api.ID_FIELDS)}")
    if instance and credentials_file:
        raise UsageError("--instance and --credentials exclude each other")
    iam_url = os.environ.get("OPENSCALE_CREDS_IAM_URL") or openscale_api.DEFAULT_IAM_URL
    if settings.dry_run:
        steps = (
            [
                workflow.PlanStep(tuple(instance_args(instance, None))),
                workflow.PlanStep(("iam", "oauth-tokens", "--output", "json")),
            ]
            if instance
            else [workflow.PlanStep(None, f"exchanges the API key in the credentials file at {iam_url}")]
        )
        steps.append(workflow.PlanStep(None, "then reads service providers and subscriptions over HTTPS"))
        _print_plan(settings, steps)
        return
    if instance:
        _, cli, _ui = _core(settings)
        found = workflow.resolve_instance(cli, instance)
        token = cli.oauth_token()
        data_mart, url = found.guid, service_url or found.url
    else:
        creds = workflow.load_credentials_file(_credentials_path(credentials_file))
        token = openscale_api.exchange_api_key(creds.apikey, iam_url=iam_url, timeout=settings.timeout)
        data_mart, url = creds.instance_guid, service_url or creds.url
    redact.register(token)
    if not url:
        raise UsageError("the instance's region has no known OpenScale URL", hint="pass --service-url URL")
    result = openscale_api.fetch_ids(url, data_mart, token, timeout=settings.timeout)
    if field is not None:
        emit(openscale_api.ids_field(result, field) + "\n")
    elif fmt == "text":
        emit(openscale_api.render_ids_text(result))
    else:
        emit(_render_mapping(openscale_api.ids_to_document(result), fmt))


# --- entry point ---------------------------------------------------------------------------------


def _fail(exc: CredsError) -> NoReturn:
    from openscale_creds import redact

    message = redact.mask(str(exc))
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


def main(argv: list[str] | None = None) -> NoReturn:
    import signal

    import click

    from openscale_creds import plugin_metadata

    if plugin_metadata.is_metadata_request(sys.argv[1:] if argv is None else argv):
        sys.exit(plugin_metadata.send_metadata())  # `ibmcloud plugin install` reads only this JSON

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _terminated)

    for stream in (sys.stdout, sys.stderr):
        # Never crash on a non-ASCII name under a legacy code page (emit() keeps data exact).
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    try:
        # Without standalone mode Typer returns, rather than raises, the code of a `typer.Exit`, and it
        # turns a Ctrl-C that reaches it as KeyboardInterrupt into Exit(130): both arrive here as `code`.
        code = app(args=plugin_metadata.rebuild_argv(argv, os.environ), prog_name=PROG, standalone_mode=False)
    except CredsError as exc:
        _fail(exc)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, click.exceptions.Abort):
        print(f"{PROG}: interrupted", file=sys.stderr)
        sys.exit(int(ExitCode.INTERRUPTED))
    except click.ClickException as exc:
        exc.show()
        sys.exit(int(ExitCode.USAGE))
    except typer.BadParameter as exc:  # pragma: no cover - a ClickException subclass
        exc.show()
        sys.exit(int(ExitCode.USAGE))
    except BrokenPipeError:
        sys.exit(int(ExitCode.OK))
    except Exception as exc:
        from openscale_creds import redact

        print(
            f"{PROG}: internal error: {type(exc).__name__}: {redact.mask(str(exc))[:300]}"
            " (please report it; run with --verbose for the ibmcloud commands)",
            file=sys.stderr,
        )
        sys.exit(int(ExitCode.INTERNAL))
    if code == ExitCode.INTERRUPTED:
        print(f"{PROG}: interrupted", file=sys.stderr)
    sys.exit(code if isinstance(code, int) else int(ExitCode.OK))
