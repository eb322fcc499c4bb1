"""Typed facade over `ibmcloud`: one method per command, argv -> runner -> check -> parser -> model.

`IbmCloud` is what the workflows need; `IbmCloudCli` implements it with the runner (non-interactive
commands) and the dialogue (`login --sso`, whose prompts it answers through `SsoPrompts`). Nothing
here knows about Typer; nothing above it knows about processes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol, TypeVar

from openscale_creds import redact
from openscale_creds.errors import NotLoggedIn, ParseError, UnrecognisedOutput, UsageError
from openscale_creds.models import Target
from openscale_creds.parsers.common import find_failure
from openscale_creds.rules import AUTH_FAILURE, SESSION_EXPIRED, is_account_id
from openscale_creds.runner import Completed, Runner, check, child_env, describe

if TYPE_CHECKING:
    from openscale_creds.models import AccountChoice, ApiKey, ServiceInstance

T = TypeVar("T")

_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_instance_id(value: str) -> bool:
    """A GUID or a CRN names one instance in the whole account; anything else is a name."""
    return bool(_GUID.fullmatch(value)) or value.startswith("crn:")


def validate_name(kind: str, value: str) -> str:
    """Refuse names that no quoting can pass to ibmcloud safely."""
    if not value:
        raise UsageError(f"the {kind} is empty")
    if value.startswith("-"):
        raise UsageError(
            f"the {kind} {value!r} starts with '-', which ibmcloud would read as an option",
            hint=(
                f"use the {kind.removesuffix(' name')}'s ID instead, or rename it"
                if kind in ("instance name", "resource group")
                else "choose a value that does not start with '-'"
            ),
        )
    for char, name in (("\0", "NUL"), ("\r", "carriage return"), ("\n", "line feed")):
        if char in value:
            raise UsageError(f"the {kind} contains a {name} character", hint="check how the name was typed")
    return value


class SsoPrompts(Protocol):
    """How `login_sso` asks the person for what only they know (the workflows' `Ui` is one)."""

    @property
    def interactive(self) -> bool: ...  # False: nobody can answer the account menu
    def info(self, message: str) -> None: ...  # progress (stderr; --quiet drops it)
    def notice(self, message: str) -> None: ...  # the passcode URL (stderr; --quiet keeps it)
    def read_passcode(self, url: str) -> str: ...
    def choose_account(self, choices: list[AccountChoice]) -> AccountChoice: ...


class IbmCloud(Protocol):
    """What the workflows need from `ibmcloud` (a fake object stands in for it in unit tests).

    `account` is an account ID (32 hex) or an exact name: an ID goes to `-c`, a name is picked from
    the menu `login --sso` shows (an API-key login has no menu, so the workflow checks the account).
    """

    # Renews an expired session once (set after an API-key login); None: expiry is exit 4.
    relogin: Callable[[], None] | None
    # The IBMCLOUD_HOME `relogin` renews (None: the user's own); other homes' expiry is exit 4.
    relogin_home: str | None

    @property
    def program(self) -> str: ...  # the executable, for `doctor`
    def version(self) -> str: ...
    def target(self, *, home: str | None = None) -> Target: ...
    def login_apikey(
        self,
        api_key: str,
        *,
        account: str | None = None,
        region: str | None = None,
        no_region: bool = False,
        group: str | None = None,
        home: str | None = None,
    ) -> Target: ...
    def login_sso(
        self,
        prompts: SsoPrompts,
        *,
        account: str | None = None,
        region: str | None = None,
        no_region: bool = False,
        group: str | None = None,
        open_browser: bool = False,
    ) -> Target: ...
    def target_group(self, group: str) -> Target: ...
    def create_api_key(self, name: str, description: str, *, home: str | None = None) -> ApiKey: ...
    def delete_api_key(self, key_id: str, *, home: str | None = None) -> None: ...
    def show_instance(
        self, guid_or_crn: str, *, location: str | None = None, home: str | None = None
    ) -> list[ServiceInstance]: ...
    # The text view of one instance: the only output naming its plan and resource group.
    def describe_instance(self, guid_or_crn: str, *, home: str | None = None) -> list[ServiceInstance]: ...
    def list_instances(
        self,
        *,
        group: str | None = None,
        service: str | None = None,
        location: str | None = None,
        home: str | None = None,
    ) -> list[ServiceInstance]: ...
    def list_api_keys(self) -> tuple[ApiKey, ...]: ...  # the logged-in identity's keys, no values
    def find_instances(
        self,
        name_or_id: str,
        *,
        location: str | None = None,
        home: str | None = None,
        group: str | None = None,
        service: str | None = None,
    ) -> list[ServiceInstance]: ...
    def oauth_token(self) -> str: ...


def login_args(
    *,
    sso: bool = False,
    account: str | None = None,
    region: str | None = None,
    no_region: bool = False,
    group: str | None = None,
) -> list[str]:
    """`login` arguments that keep ibmcloud from prompting for what we already know.

    Only an account ID can go to `-c`; a name is matched in the SSO account menu instead.
    """
    args = ["login"]
    if sso:
        args.append("--sso")
    if account and is_account_id(account):
        args += ["-c", account.lower()]
    if region:
        args += ["-r", validate_name("region", region)]
    elif no_region:
        args.append("--no-region")
    if group:
        args += ["-g", validate_name("resource group", group)]
    return args


def show_instance_args(guid_or_crn: str, location: str | None = None) -> list[str]:
    """`resource service-instance ID`: an ID is found in any resource group (reference §4.1)."""
    args = ["resource", "service-instance", validate_name("instance name", guid_or_crn)]
    if location:
        args += ["--location", validate_name("location", location)]
    return [*args, "--output", "json"]


def describe_instance_args(guid_or_crn: str) -> list[str]:
    """`resource service-instance ID` as text: its `Service Plan Name:` and `Resource Group Name:`
    rows name what the JSON gives only by ID (`resource_plan_id`, `resource_group_id`; reference §4.2)."""
    return ["resource", "service-instance", validate_name("instance name", guid_or_crn)]


def list_instances_args(
    *, group: str | None = None, service: str | None = None, location: str | None = None
) -> list[str]:
    """`resource service-instances` scoped by a flag, never by what the session happens to target."""
    args = ["resource", "service-instances"]
    args += ["-g", validate_name("resource group", group)] if group else ["--all-resource-groups"]
    if service:
        args += ["--service-name", validate_name("service name", service)]
    if location:
        args += ["--location", validate_name("location", location)]
    return [*args, "--output", "json"]


def instance_args(
    name_or_id: str,
    location: str | None = None,
    *,
    group: str | None = None,
    service: str | None = None,
) -> list[str]:
    """The one lookup the rule asks for: a GUID or CRN is shown directly; a name is matched (exactly,
    by the caller) in the listing of one resource group, or of all of them."""
    if is_instance_id(name_or_id):
        return show_instance_args(name_or_id, location)
    validate_name("instance name", name_or_id)
    return list_instances_args(group=group, service=service, location=location)


def api_key_create_args(name: str, description: str) -> list[str]:
    validate_name("API key name", name)
    if description.startswith("-"):
        raise UsageError("the description starts with '-', which ibmcloud would read as an option")
    return ["iam", "api-key-create", name, "-d", description, "--output", "json"]


class IbmCloudCli:
    """The real thing: runs `ibmcloud` through a `Runner`."""

    def __init__(self, runner: Runner, *, relogin: Callable[[], None] | None = None) -> None:
        self.runner = runner
        # Called once when a command reports an expired session; the command is then retried.
        self.relogin = relogin
        self.relogin_home: str | None = None

    @property
    def program(self) -> str:
        return self.runner.program

    def _call(
        self,
        args: Sequence[str],
        parse: Callable[[str], T],
        *,
        step: str,
        api_key: str | None = None,
        home: str | None = None,
        retry: bool = True,
    ) -> T:
        done = self.runner.run(args, step=step, api_key=api_key, home=home)
        try:
            check(done, step=step)
        except NotLoggedIn as exc:
            relogin = self.relogin if home == self.relogin_home else None
            if retry and relogin is not None and SESSION_EXPIRED.search(str(exc)):
                relogin()
                return self._call(args, parse, step=step, api_key=api_key, home=home, retry=False)
            raise
        return _parsed(done, parse)

    def version(self) -> str:
        from openscale_creds.parsers.version import parse_version

        return self._call(["--version"], parse_version, step="reading the CLI version")

    def target(self, *, home: str | None = None) -> Target:
        """The current session; `logged_in` is False when there is none (not an error)."""
        from openscale_creds.parsers.target import parse_target

        done = self.runner.run(["target", "--output", "json"], step="reading the current target", home=home)
        try:
            check(done, step="reading the current target")
        except NotLoggedIn:
            return Target(logged_in=False)
        return _parsed(done, parse_target)

    def login_apikey(
        self,
        api_key: str,
        *,
        account: str | None = None,
        region: str | None = None,
        no_region: bool = False,
        group: str | None = None,
        home: str | None = None,
    ) -> Target:
        from openscale_creds.parsers.login import parse_login

        # Nobody can answer a region menu here (stdin is closed), so skip it when no region is given.
        args = login_args(account=account, region=region, no_region=no_region or not region, group=group)
        done = self.runner.run(args, step="logging in with the API key", api_key=api_key, home=home)

        failure = find_failure(done.stderr) or find_failure(done.stdout)
        if failure is not None and failure.kind != "usage" and AUTH_FAILURE.search(failure.message):
            # The key was refused. A crash, a usage error or a server error is not the key's fault and
            # is reported by check() below (exit 8), as the SSO dialogue does.
            raise NotLoggedIn(
                f"login with the API key failed: {redact.mask(failure.message)}",
                hint="check the key (it may be deleted, disabled or for another account)",
            )
        check(done, step="logging in with the API key")
        target = _parsed(done, parse_login)
        return target if target.logged_in else target.replace(logged_in=True)

    def login_sso(
        self,
        prompts: SsoPrompts,
        *,
        account: str | None = None,
        region: str | None = None,
        no_region: bool = False,
        group: str | None = None,
        open_browser: bool = False,
    ) -> Target:
        """Run the `login --sso` dialogue, then read the session it left (`logged_in` may be False)."""
        from openscale_creds import dialogue

        args = login_args(sso=True, account=account, region=region, no_region=no_region, group=group)

        def choose(choices: list[AccountChoice]) -> AccountChoice:
            if account:
                return dialogue.select_account(choices, account)
            if prompts.interactive:
                return prompts.choose_account(choices)
            raise UsageError(
                f"ibmcloud asks which account to use: {dialogue.account_listing(choices)}",
                hint="pass --account NAME_OR_ID",
            )

        answers = dialogue.SsoAnswers(
            open_browser=open_browser,
            get_passcode=prompts.read_passcode,
            choose_account=choose,
            show=prompts.notice,
        )
        dialogue.run_sso_login(
            [self.runner.program, *args],
            child_env(self.runner.environ),
            answers,
            driver=dialogue.default_driver_kind(),
            timeout=self.runner.timeout,
        )
        return self.target()

    def target_group(self, group: str) -> Target:
        from openscale_creds.parsers.target import parse_target

        args = ["target", "-g", validate_name("resource group", group)]
        return self._call(args, parse_target, step=f"targeting resource group {group!r}")

    def create_api_key(self, name: str, description: str, *, home: str | None = None) -> ApiKey:
        from openscale_creds.parsers.api_key import parse_api_key

        return self._call(
            api_key_create_args(name, description),
            parse_api_key,
            step=f"creating API key {name!r}",
            home=home,
        )

    def delete_api_key(self, key_id: str, *, home: str | None = None) -> None:
        args = ["iam", "api-key-delete", validate_name("API key ID", key_id), "-f"]
        self._call(args, lambda _text: None, step=f"deleting API key {key_id}", home=home)

    def list_api_keys(self) -> tuple[ApiKey, ...]:
        from openscale_creds.parsers.api_keys import parse_api_keys

        args = ["iam", "api-keys", "--output", "json"]
        return self._call(args, parse_api_keys, step="listing API keys")

    def show_instance(
        self, guid_or_crn: str, *, location: str | None = None, home: str | None = None
    ) -> list[ServiceInstance]:
        from openscale_creds.parsers.instance import parse_instances

        return self._call(
            show_instance_args(guid_or_crn, location),
            parse_instances,
            step=f"looking up service instance {guid_or_crn!r}",
            home=home,
        )

    def describe_instance(self, guid_or_crn: str, *, home: str | None = None) -> list[ServiceInstance]:
        from openscale_creds.parsers.instance import parse_instances

        return self._call(
            describe_instance_args(guid_or_crn),
            parse_instances,
            step=f"naming the plan and resource group of service instance {guid_or_crn!r}",
            home=home,
        )

    def list_instances(
        self,
        *,
        group: str | None = None,
        service: str | None = None,
        location: str | None = None,
        home: str | None = None,
    ) -> list[ServiceInstance]:
        from openscale_creds.parsers.instance import parse_instances

        where = f"resource group {group!r}" if group else "all resource groups"
        return self._call(
            list_instances_args(group=group, service=service, location=location),
            parse_instances,
            step=f"listing {service or 'service'} instances in {where}",
            home=home,
        )

    def find_instances(
        self,
        name_or_id: str,
        *,
        location: str | None = None,
        home: str | None = None,
        group: str | None = None,
        service: str | None = None,
    ) -> list[ServiceInstance]:
        """The instances `name_or_id` means: by ID in any group, by exact name in the scope given."""
        if is_instance_id(name_or_id):
            return self.show_instance(name_or_id, location=location, home=home)
        validate_name("instance name", name_or_id)
        listed = self.list_instances(group=group, service=service, location=location, home=home)
        return [i for i in listed if i.name == name_or_id]

    def oauth_token(self) -> str:
        from openscale_creds.parsers.oauth_tokens import parse_oauth_tokens

        return self._call(
            ["iam", "oauth-tokens", "--output", "json"], parse_oauth_tokens, step="getting an IAM token"
        )


def _parsed(done: Completed, parse: Callable[[str], T]) -> T:
    try:
        return parse(done.stdout)
    except UnrecognisedOutput as exc:
        # Kept (masked later) for the bug-report file that the CLI saves on exit 7.
        from openscale_creds.shellquote import quote_posix

        command = " ".join(quote_posix(a) for a in done.args)
        exc.raw = f"$ ibmcloud {command}\n--- stdout ---\n{done.stdout}\n--- stderr ---\n{done.stderr}"
        if isinstance(exc, ParseError):
            # A parser reads several commands' output; the message names the one that really ran.
            exc.message = exc.message.replace(f"`ibmcloud {exc.command}`", f"`{describe(done.args)}`", 1)
        raise
