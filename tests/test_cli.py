"""The command line in-process (`cli.main` in a sandbox, no interpreter start-up): usage errors,
choice validation and --dry-run text, milliseconds each. The fake ibmcloud still runs as a process
when a command gets that far, and its invocation log shows what ran. The end-to-end suites prove the
same command line through the installed console script."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from _e2e import DEMO_KEY, INSTANCE
from _sandbox import Run, Sandbox

KEY_ENV = {"IBMCLOUD_API_KEY": DEMO_KEY}


@pytest.fixture
def box(tmp_path: Path) -> Sandbox:
    return Sandbox(tmp_path)


def credentials_file(box: Sandbox, name: str = "creds.json") -> Path:
    path = box.root / name
    doc = {
        "apikey": DEMO_KEY,
        "instance_guid": "00000000-0000-4000-8000-000000000001",
        "api_key_id": "ApiKey-old",
        "region": "us-south",
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def usage_error(done: Run, *words: str) -> None:
    """Exit 2 from the option parser: nothing ran, and the message names the option and the value."""
    assert done.returncode == 2, done.stderr
    assert done.calls == []
    assert done.stdout == ""
    for word in words:
        assert word in done.stderr


# --- the choice lists ----------------------------------------------------------------------------


def test_each_choice_list_is_the_one_its_module_uses() -> None:
    from openscale_creds import choices, credentials, models, openscale_api, parsers, shellquote

    assert choices.CREDENTIAL_FORMATS == credentials.FORMATS
    assert choices.INSTANCE_FIELDS == models.INSTANCE_FIELDS
    assert choices.ID_FIELDS == openscale_api.ID_FIELDS
    assert choices.PARSE_KINDS == parsers.KINDS
    assert choices.SHELLS is shellquote.SHELLS


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--shell", "zsh", "doctor"], "--shell"),
        (["instance", INSTANCE, "--format", "xml"], "--format"),
        (["instance", INSTANCE, "--field", "colour"], "--field"),
        (["ids", "--instance", INSTANCE, "--format", "toml"], "--format"),
        (["ids", "--instance", INSTANCE, "--field", "model_ids"], "--field"),
        (["setup", "--instance", INSTANCE, "--format", "ini", "--out", "-"], "--format"),
        (["parse", "lodgin"], "KIND"),
    ],
)
def test_a_bad_choice_is_refused_by_the_option_parser_before_anything_runs(
    box: Sandbox, args: list[str], option: str
) -> None:
    done = box.run_here(args, env=KEY_ENV)

    usage_error(done, option, "is not one of")


def test_rotate_with_a_bad_format_exits_2_and_creates_no_key(box: Sandbox) -> None:
    path = credentials_file(box)
    before = path.read_bytes()

    done = box.run_here(["rotate", str(path), "--format", "xml"], env=KEY_ENV)

    usage_error(done, "--format", "'xml'")
    assert not any(argv[:2] == ["iam", "api-key-create"] for argv in done.argvs)
    assert path.read_bytes() == before
    assert not path.with_name(path.name + ".new").exists()


def test_the_help_lists_every_registered_command_with_its_line(box: Sandbox) -> None:
    from openscale_creds.cli import COMMANDS

    done = box.run_here(["--help"])

    assert done.returncode == 0
    for name, (_where, line) in COMMANDS.items():
        assert name.split()[0] in done.stdout
        if " " not in name:
            assert line in " ".join(done.stdout.split())


# --- usage errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["login", "--region", "us-south", "--no-region"], "--region and --no-region exclude each other"),
        (["login", "--sso", "--apikey-file", "key.json"], "--sso and --apikey-file exclude each other"),
        (["ids", "--instance", INSTANCE, "--credentials", "c.json"], "--instance and --credentials exclude"),
        (["instance", "-x"], "No such option"),
        (["--timeout", "0", "doctor"], "--timeout"),
    ],
)
def test_contradictory_or_malformed_options_exit_2_naming_them(
    box: Sandbox, args: list[str], message: str
) -> None:
    done = box.run_here(args, env=KEY_ENV)

    usage_error(done, message)


def test_a_name_ibmcloud_would_read_as_an_option_is_refused_before_it_runs(box: Sandbox) -> None:
    done = box.run_here(["setup", "--instance", "--rm", "--out", "-"], env=KEY_ENV)

    usage_error(done, "starts with '-'")


def test_no_command_shows_the_usage() -> None:
    from openscale_creds.cli import main

    with pytest.raises(SystemExit) as exited:
        main([])
    assert exited.value.code in (0, 2)  # click's no_args_is_help: the usage, never a traceback


# --- --dry-run text ------------------------------------------------------------------------------


def dry(box: Sandbox, *args: str, shell: str = "posix") -> str:
    done = box.run_here(["--dry-run", "--shell", shell, *args], env=KEY_ENV)
    assert done.returncode == 0, done.stderr
    assert done.calls == []
    return done.stdout


def test_dry_run_setup_shows_each_command_in_order_and_where_the_key_goes(box: Sandbox) -> None:
    text = dry(box, "setup", "--instance", INSTANCE, "--group", "Default", "--out", "creds.json")

    lines = text.splitlines()
    assert lines[0] == "# IBMCLOUD_HOME=<temporary folder>: a private session; your own is left alone"
    assert lines[1] == "# IBMCLOUD_API_KEY is passed in the environment"
    assert lines[2] == "ibmcloud login --no-region -g Default"
    assert lines[3] == f"# '{INSTANCE}' is matched exactly, case included, in this listing"
    assert (
        lines[4] == "ibmcloud resource service-instances -g Default --service-name aiopenscale --output json"
    )
    assert lines[5].startswith("ibmcloud iam api-key-create openscale-creds-")
    assert lines[-1] == "# then writes the json credentials to creds.json (mode 0600)"
    assert DEMO_KEY not in text


def test_dry_run_quotes_for_the_chosen_shell(box: Sandbox) -> None:
    text = dry(box, "instance", "x", "--group", "Open 'Scale' & co", "--field", "guid", shell="powershell")

    assert (
        text.splitlines()[-1] == "ibmcloud resource service-instances -g 'Open ''Scale'' & co' --output json"
    )


def test_dry_run_rotate_names_the_old_key_it_would_delete(box: Sandbox) -> None:
    text = dry(box, "rotate", str(credentials_file(box)))

    assert text.splitlines()[-1] == "ibmcloud iam api-key-delete ApiKey-old -f"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["target", "Default"], "ibmcloud target -g Default\n"),
        (["doctor"], "ibmcloud --version\nibmcloud target --output json\n"),
        (
            ["api-key", "create", "k1"],
            "ibmcloud iam api-key-create k1 -d 'created by openscale-creds' --output json\n",
        ),
        (["login", "--sso", "--account", "0123456789abcdef0123456789ABCDEF"], None),
    ],
)
def test_dry_run_of_each_building_block(box: Sandbox, args: list[str], expected: str | None) -> None:
    text = dry(box, *args)

    if expected is not None:
        assert text == expected
    else:
        assert "ibmcloud login --sso -c 0123456789abcdef0123456789abcdef" in text


def test_dry_run_ids_with_a_credentials_file_says_it_asks_iam(box: Sandbox) -> None:
    text = dry(box, "ids", "--credentials", str(credentials_file(box)))

    assert "exchanges the API key in the credentials file at https://iam.cloud.ibm.com" in text


# --- profiles: -p, --store and the new commands --------------------------------------------------


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["env", "-p", "my prod"], {}, "invalid profile name 'my prod'"),
        (["env"], {"OPENSCALE_CREDS_PROFILE": "a/b"}, "invalid OPENSCALE_CREDS_PROFILE"),
        (["verify", "c.json", "-p", "prod"], {}, "pass a credentials FILE or -p NAME, not both"),
        (["rotate", "c.json", "-p", "prod"], {}, "not both"),
        (["remove"], {"OPENSCALE_CREDS_PROFILE": "prod"}, "Missing option '--profile'"),
        (["exec", "-p", "prod"], {}, "exec needs a COMMAND to run"),
        (["exec", "-p", "prod", "--"], {}, "exec needs a COMMAND to run"),
        (["setup", "--instance", INSTANCE, "--new-key", "--reuse-key"], {}, "--new-key and --reuse-key"),
        (["setup", "--instance", INSTANCE, "--store", "vault"], {}, "--store"),
        (["list", "--format", "csv"], {}, "--format"),
        (["api-key", "list", "--format", "csv"], {}, "--format"),
        (["ids", "c.json", "--credentials", "c.json"], {}, "pass the credentials FILE once"),
        (["ids", "-p", "prod", "--instance", INSTANCE], {}, "-p NAME excludes --instance"),
        (["setup", "--instance", INSTANCE, "-p", "x" * 65], {}, "invalid profile name"),
    ],
)
def test_profile_options_are_checked_before_anything_runs(
    box: Sandbox, args: list[str], env: dict[str, str], message: str
) -> None:
    done = box.run_here(args, env={**KEY_ENV, **env})

    usage_error(done, message)


def test_api_key_delete_without_a_terminal_or_yes_exits_2_before_any_call(box: Sandbox) -> None:
    done = box.run_here(["api-key", "delete", "ApiKey-1"], env=KEY_ENV)

    usage_error(done, "--yes")


def test_exec_stops_reading_options_at_the_command(box: Sandbox) -> None:
    """`-p` after COMMAND belongs to COMMAND: here it names no profile of ours, so `prod` is not read."""
    done = box.run_here(["--dry-run", "exec", "-p", "mine", "python", "-p", "theirs"])

    assert done.returncode == 0, done.stderr
    assert "profile mine" in done.stdout and "theirs" not in done.stdout


def test_the_store_option_accepts_its_values_in_any_case(box: Sandbox) -> None:
    text = dry(box, "setup", "--instance", INSTANCE, "--store", "FILE")

    assert "stores the key as profile default" in text


def test_dry_run_remove_names_the_key_id_of_the_stored_profile(box: Sandbox) -> None:
    from openscale_creds import store
    from openscale_creds.credentials import Credentials

    creds = Credentials(apikey=DEMO_KEY, instance_guid="guid-1", api_key_id="ApiKey-stored-1")
    folder = box.home / ".config" / "openscale-creds"
    store.ProfileStore(folder, store="file").save(store.Profile.from_credentials("prod", creds), creds.apikey)

    text = dry(box, "remove", "-p", "prod")

    assert text.splitlines()[-2] == "ibmcloud iam api-key-delete ApiKey-stored-1 -f"
    assert DEMO_KEY not in text


@pytest.mark.parametrize(
    ("shell", "fmt"),
    [("posix", "env"), ("powershell", "powershell"), ("powershell5", "powershell"), ("cmd", "cmd")],
)
def test_env_defaults_to_the_format_of_the_shell_option(box: Sandbox, shell: str, fmt: str) -> None:
    text = dry(box, "env", "-p", "prod", shell=shell)

    assert f"profile prod as {fmt}" in text


# --- the option rule: one name for one thing -------------------------------------------------------


def click_command(*path: str) -> click.Command:
    """The Click command at `path`, as the lazy root builds it."""
    import typer.main
    from openscale_creds.cli import PROG, app

    command: click.Command = typer.main.get_command(app)
    for word in path:
        assert isinstance(command, click.Group)
        found = command.get_command(click.Context(command, info_name=PROG), word)
        assert found is not None, path
        command = found
    return command


def format_choices(*path: str) -> tuple[str, ...]:
    (option,) = [p for p in click_command(*path).params if "--format" in getattr(p, "opts", ())]
    assert isinstance(option.type, click.Choice)
    return tuple(option.type.choices)


REPORT_COMMANDS = [
    ("doctor",),
    ("login",),
    ("target",),
    ("instance",),
    ("ids",),
    ("verify",),
    ("list",),
    ("api-key", "list"),
]


@pytest.mark.parametrize("path", REPORT_COMMANDS, ids=" ".join)
def test_every_command_that_prints_data_takes_the_same_output_formats(path: tuple[str, ...]) -> None:
    assert format_choices(*path) == ("text", "json", "yaml")


def test_where_credentials_are_written_format_also_takes_the_credentials_formats() -> None:
    from openscale_creds.choices import CREDENTIAL_FORMATS

    assert format_choices("env") == CREDENTIAL_FORMATS
    for path in (("setup",), ("rotate",)):
        assert set(format_choices(*path)) == {"text", *CREDENTIAL_FORMATS}
    assert format_choices("api-key", "create") == ("json", "yaml")


@pytest.mark.parametrize(
    ("path", "hidden"),
    [(("setup",), "--instance"), (("api-key", "create"), "--file"), (("ids",), "--credentials")],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else v,
)
def test_old_spellings_are_hidden_from_help_and_the_plugin_metadata(
    box: Sandbox, path: tuple[str, ...], hidden: str
) -> None:
    from openscale_creds import plugin_metadata

    done = box.run_here([*path, "--help"])
    metadata = plugin_metadata.build_metadata(click_command())
    (entry,) = [c for c in metadata["Commands"] if f"{c['Namespace']} {c['Name']}".endswith(" ".join(path))]

    assert done.returncode == 0
    assert hidden not in done.stdout
    assert hidden not in entry["Usage"]
    flags = {f["Name"]: f["Hidden"] for f in entry["Flags"]}
    assert flags[hidden.lstrip("-")] is True


def test_setup_takes_the_instance_as_its_argument_or_by_its_old_option(box: Sandbox) -> None:
    new = dry(box, "setup", INSTANCE, "--group", "Default")
    old = dry(box, "setup", "--instance", INSTANCE, "--group", "Default")

    assert f"'{INSTANCE}' is matched exactly" in new
    assert old.splitlines()[:-3] == new.splitlines()[:-3]  # the key's default name holds the time


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["setup"], "Missing argument 'NAME_OR_GUID'"),
        (["setup", "a", "--instance", "b"], "pass the instance once"),
        (["setup", INSTANCE, "--format", "env"], "--format env is a credentials format: it needs --out"),
        (
            ["setup", INSTANCE, "--out", "c.yaml", "--format", "text"],
            "with --out, --format is the credentials",
        ),
        (["rotate", "-p", "prod", "--format", "dotenv"], "--format dotenv converts a credentials FILE"),
        (["rotate", "c.json", "--format", "text"], "with a FILE, --format is the format to convert it to"),
        (["api-key", "create", "k", "--out", "a.json", "--file", "b.json"], "pass the file once"),
        (["api-key", "create", "k", "--format", "text"], "--format"),
        (["doctor", "--format", "env"], "--format"),
    ],
)
def test_the_option_rule_is_checked_before_anything_runs(box: Sandbox, args: list[str], message: str) -> None:
    done = box.run_here(args, env=KEY_ENV)

    usage_error(done, message)


def test_instance_asks_for_the_names_only_when_it_prints_them(box: Sandbox) -> None:
    by_guid = dry(box, "instance", INSTANCE, "--field", "guid")
    by_plan = dry(box, "instance", INSTANCE, "--field", "plan")
    whole = dry(box, "instance", INSTANCE, "--format", "json")

    named = "ibmcloud resource service-instance '<instance guid>'"
    assert named not in by_guid
    assert by_plan.splitlines()[-1] == named == whole.splitlines()[-1]
