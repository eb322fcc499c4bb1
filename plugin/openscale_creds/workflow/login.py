"""Logging in: with an API key, by reusing the session, or with SSO (the facade runs the dialogue).

Also `doctor`, which reports on the CLI and the session.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from openscale_creds.errors import NotFound, NotLoggedIn, UsageError
from openscale_creds.ibmcloud import IbmCloud
from openscale_creds.models import Target
from openscale_creds.workflow.ui import Ui

LOGIN_WAYS = "log in with `openscale-creds login --sso`, set IBMCLOUD_API_KEY, or pass --apikey-file FILE"

Rows = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class LoginOptions:
    sso: bool = False
    apikey_file: Path | None = None
    passcode_stdin: bool = False
    account: str | None = None  # an account ID (32 hex) or an exact name
    region: str | None = None
    no_region: bool = False
    group: str | None = None
    browser: bool | None = None  # None: open one only when there is a display

    def __post_init__(self) -> None:
        if self.region and self.no_region:
            raise UsageError("--region and --no-region exclude each other")
        if self.sso and self.apikey_file:
            raise UsageError("--sso and --apikey-file exclude each other")

    def api_key(self, environ: Mapping[str, str]) -> tuple[str, str] | None:
        """(value for IBMCLOUD_API_KEY, description) of the API key to log in with, if one was given."""
        if self.sso:
            return None
        if self.apikey_file is not None:
            from openscale_creds.readfile import check_api_key_file

            # A FIFO, a device or a huge file would hang or flood ibmcloud, and a NUL is no key's:
            # refused here, in one line naming the path as given.
            check_api_key_file(self.apikey_file.expanduser())
            path = self.apikey_file.expanduser().resolve()
            # ibmcloud reads `@FILE` itself (raw key or the JSON file api-key-create writes).
            return f"@{path}", f"the API key in {self.apikey_file}"
        value = environ.get("IBMCLOUD_API_KEY")
        if value and "\0" in value:  # only an in-process caller can pass one (a process environment cannot)
            raise UsageError("IBMCLOUD_API_KEY holds a NUL character, which no API key has")
        if value:
            return value, "the API key from IBMCLOUD_API_KEY"
        return None


def has_display(environ: Mapping[str, str], platform: str | None = None) -> bool:
    if (platform or sys.platform) in ("win32", "darwin"):
        return True
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def login(
    cli: IbmCloud,
    opts: LoginOptions,
    ui: Ui,
    *,
    environ: Mapping[str, str],
    sso_when_needed: bool = False,
) -> tuple[Target, bool]:
    """Log in as asked; returns the target and whether a new login happened.

    A credential given always logs in with it. With none, a usable session is reused; without one,
    SSO starts when `sso_when_needed` and a person is at a terminal, else NotLoggedIn (exit 4).
    """
    key = opts.api_key(environ)
    if key is not None:
        target = login_with_key(cli, opts, ui, *key)
        announce_session(ui, target, "login")  # the user's own session: that is what `login` is for
        return target, True
    if not opts.sso:
        with ui.step("Checking the ibmcloud session") as res:
            target = cli.target()
            res.result = describe_target(target) if target.logged_in else "not logged in"
        if target.logged_in:
            check_account(target, opts.account)
            return target, False
        if not (sso_when_needed and ui.interactive):
            raise NotLoggedIn("ibmcloud has no usable login session", hint=LOGIN_WAYS)
    return sso_login(cli, opts, ui, environ=environ, by="login"), True


def login_with_key(
    cli: IbmCloud,
    opts: LoginOptions,
    ui: Ui,
    value: str,
    what: str,
    *,
    home: str | None = None,
    by: str = "login",
) -> Target:
    """Log in with an API key; in `home` when given (a private session), else in the user's own."""
    private = " (private session)" if home else ""
    with ui.step(f"Logging in with {what}{private}") as res:
        target = cli.login_apikey(
            value,
            account=opts.account,
            region=opts.region,
            no_region=opts.no_region,
            group=opts.group,
            home=home,
        )
        check_account(target, opts.account)
        res.result = describe_target(target)

    def relogin() -> None:
        with ui.step("Session expired; logging in again") as again:
            renewed = cli.login_apikey(value, region=opts.region, group=opts.group, home=home)
            again.result = describe_target(renewed)
        if home is None:
            announce_session(ui, renewed, by)

    cli.relogin, cli.relogin_home = relogin, home
    return target


def announce_session(ui: Ui, target: Target, by: str, why: str = "") -> None:
    """Say, in one line, that command `by` changed the user's own ibmcloud session and what it targets now."""
    parts = []
    if target.account:
        parts.append(f"account {target.account.name}")
    if target.region:
        parts.append(f"region {target.region}")
    parts.append(f"group {target.resource_group}" if target.resource_group else "no resource group")
    who = f"openscale-creds {by}".rstrip()
    ui.info(f"Your ibmcloud session now targets {', '.join(parts)} (changed by {who}{why})")


def sso_login(cli: IbmCloud, opts: LoginOptions, ui: Ui, *, environ: Mapping[str, str], by: str) -> Target:
    """`login --sso` in the user's own session (which it changes, and says so)."""
    open_browser = opts.browser if opts.browser is not None else has_display(environ)
    with ui.step("Logging in with SSO") as res:
        target = cli.login_sso(
            ui,
            account=opts.account,
            region=opts.region,
            no_region=opts.no_region,
            group=opts.group,
            open_browser=open_browser,
        )
        if not target.logged_in:
            raise NotLoggedIn("the SSO login did not leave a usable session", hint=LOGIN_WAYS)
        check_account(target, opts.account)
        res.result = describe_target(target)
    announce_session(ui, target, by)
    return target


def renew_sessions_with_key(cli: IbmCloud, ui: Ui, environ: Mapping[str, str], by: str = "") -> None:
    """With IBMCLOUD_API_KEY set, a session that expires mid-command is renewed once with that key."""
    key = environ.get("IBMCLOUD_API_KEY")
    if key:

        def relogin() -> None:
            renewed = cli.login_apikey(key)
            who = renewed.user or "the key's user"
            why = f", which found it expired and logged in again as {who} with IBMCLOUD_API_KEY"
            announce_session(ui, renewed, by, why)

        cli.relogin, cli.relogin_home = relogin, None


def check_account(target: Target, wanted: str | None) -> None:
    if not wanted or target.account is None:
        return
    acct = target.account
    if acct.guid.lower() != wanted.lower() and acct.name.casefold() != wanted.casefold():
        raise NotFound(
            f"logged in to account {acct.name} ({acct.guid}), not {wanted!r}",
            hint="the API key belongs to another account; use a key of that account, or --sso",
        )


def describe_target(target: Target) -> str:
    """`user, account A, region R, group G`: one progress line's worth."""
    parts = []
    if target.user:
        parts.append(target.user)
    if target.account:
        parts.append(f"account {target.account.name}")
    if target.region:
        parts.append(f"region {target.region}")
    if target.resource_group:
        parts.append(f"group {target.resource_group}")
    return ", ".join(parts) or "logged in"


def target_rows(t: Target) -> Rows:
    """The target as labelled rows, as `target` and `doctor` print them."""
    account = f"{t.account.name} ({t.account.guid})" if t.account else ""
    return [
        ("account", account),
        ("region", t.region or ""),
        ("resource group", t.resource_group or ""),
        ("user", t.user or ""),
    ]


def doctor(cli: IbmCloud, ui: Ui, show: Callable[[Rows], None]) -> Target:
    """Show the CLI's path and version, then the session; NotLoggedIn (exit 4) when there is none.

    Rows are shown as soon as they are known, so a CLI that fails half-way still shows what worked.
    """
    show([("ibmcloud", cli.program)])
    show([("version", cli.version())])
    target = cli.target()
    show([("logged in", "yes" if target.logged_in else "no")])
    if not target.logged_in:
        raise NotLoggedIn("ibmcloud has no usable login session", hint=LOGIN_WAYS)
    show(target_rows(target))
    if not target.resource_group:
        # Not a fault: lookups name their group with --group, or search every group (the lookup rule).
        ui.info("no resource group targeted; openscale-creds does not need one (see --group)")
    return target
