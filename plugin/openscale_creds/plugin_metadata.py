"""The `ibmcloud` plug-in protocol: `SendMetadata`, and the command path the CLI hides in the environment.

What IBM's plug-in SDK (github.com/IBM-Cloud/ibm-cloud-cli-sdk) defines, and this module follows:
- `ibmcloud plugin install BINARY` copies BINARY to `<IBMCLOUD_HOME>/.bluemix/plugins/NAME/NAME` (`NAME.exe`
  on Windows) and runs it with exactly one argument, `SendMetadata` (plugin/plugin_shim.go,
  `isMetadataRequest`). It reads one JSON document from stdout: `plugin.PluginMetadata` marshalled by Go,
  so the keys are the Go field names (plugin/plugin.go has no json tags). Anything else on stdout breaks
  the install ("invalid character 'H' looking for beginning of value", ibm-cloud-cli-sdk issue 122).
- `ibmcloud NAMESPACE... COMMAND ARGS...` then runs `BINARY COMMAND ARGS...`: only the command's last word
  reaches argv; its namespace (e.g. `openscale-creds api-key`) is in `IBMCLOUD_PLUGIN_NAMESPACE`, or the
  older `BLUEMIX_PLUGIN_NAMESPACE` (bluemix/env.go, `EnvPluginNamespace`; plugin/plugin_context.go,
  `CommandNamespace`). Cobra-based IBM plug-ins rebuild their command path from it by dropping the
  first word (the plug-in's own namespace) and prepending the rest to argv; so does `rebuild_argv`.

The metadata is generated from the Click tree that Typer builds from `cli.app`, so it lists exactly the
commands and options that exist. Global options are declared on every command, because through
`ibmcloud` they can only follow the command: `cli.move_global_options` (the mover the root uses for
every command line) puts them in front of it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import click

PLUGIN_NAME = "openscale-creds"
NAMESPACE_VARIABLES = ("IBMCLOUD_PLUGIN_NAMESPACE", "BLUEMIX_PLUGIN_NAMESPACE")
# IBM's metadata validator refuses plug-ins that accept CLIs older than 2.0.0
# (plugin/plugin_metadata_validator.go, MinimumRequiredCLIVersion).
MIN_CLI_VERSION = (2, 0, 0)
# The SDK sets this to its own version (plugin_shim.go, fillMetadata). We use no SDK code and follow
# the protocol of the 1.x SDKs, every published one of which has major version 1.
SDK_VERSION = (1, 0, 0)
USAGE_PREFIX = "ibmcloud"


def is_metadata_request(args: list[str]) -> bool:
    return args == ["SendMetadata"]


def send_metadata() -> int:
    """Write the metadata, and nothing else, to stdout, the way Go's json.Marshal would."""
    import json

    from openscale_creds import cli

    document = json.dumps(build_metadata(_root_command(cli.app)), ensure_ascii=True)
    sys.stdout.flush()
    sys.stdout.buffer.write(document.encode("ascii"))
    sys.stdout.buffer.flush()
    return 0


def _root_command(app: Any) -> click.Group:
    import click
    import typer.main

    root = typer.main.get_command(app)
    if not isinstance(root, click.Group):  # the app has commands, so Typer makes it a group
        raise TypeError("the openscale-creds app is not a command group")
    return root


def _version(text: str) -> dict[str, int]:
    parts = [int(m.group()) if (m := re.match(r"\d+", p)) else 0 for p in text.split(".")[:3]]
    major, minor, build = (*parts, 0, 0, 0)[:3]
    return {"Major": major, "Minor": minor, "Build": build}


def _triple(version: tuple[int, int, int]) -> dict[str, int]:
    return {"Major": version[0], "Minor": version[1], "Build": version[2]}


def build_metadata(root: click.Group) -> dict[str, Any]:
    """`plugin.PluginMetadata` for the Click tree `root`, with every field Go would marshal."""
    from openscale_creds import __version__

    namespaces = [_namespace("", PLUGIN_NAME, _description(root))]
    commands: list[dict[str, Any]] = []
    # An eager root option (`--version`) answers instead of the command, so help need not show it there.
    global_flags = [_flag(p, hidden=p.hidden or p.is_eager) for p in _options(root)]
    global_usage = [_usage_of(p) for p in _options(root) if not (p.hidden or p.is_eager)]
    for path, command in walk(root):
        namespace = " ".join((PLUGIN_NAME, *path[:-1]))
        if _is_group(command):
            parent = " ".join((PLUGIN_NAME, *path[:-1]))
            namespaces.append(_namespace(parent, path[-1], _description(command)))
            continue
        usage = [USAGE_PREFIX, PLUGIN_NAME, *path]
        usage += [_usage_of(p) for p in command.params if not getattr(p, "hidden", False)]
        commands.append(
            {
                "Namespace": namespace,
                "Name": path[-1],
                "Alias": "",
                "Aliases": [],
                "Description": _description(command),
                "Usage": " ".join([*usage, *global_usage]),
                "Flags": [_flag(p) for p in _options(command)] + global_flags,
                "Hidden": bool(command.hidden),
                "Stage": "",
            }
        )
    return {
        "Name": PLUGIN_NAME,
        "Aliases": [],
        "Version": _version(__version__),
        "MinCliVersion": _triple(MIN_CLI_VERSION),
        "Namespaces": namespaces,
        "Commands": commands,
        "SDKVersion": _triple(SDK_VERSION),
        "DelegateBashCompletion": False,
        "PrivateEndpointSupported": False,
        "IsAccessFromVPC": False,
        # IBM's Cobra flag only changes how the CLI composes help text; our Usage is already complete.
        "IsCobraPlugin": False,
    }


def walk(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command and group below `group`, depth first, through Click's public API (so a group
    that loads its commands lazily is walked too)."""
    import click

    ctx = click.Context(group, info_name=path[-1] if path else PLUGIN_NAME)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None:
            continue
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from walk(command, (*path, name))


def _is_group(command: click.Command) -> bool:
    import click

    return isinstance(command, click.Group)


def _namespace(parent: str, name: str, description: str) -> dict[str, Any]:
    return {"ParentName": parent, "Name": name, "Aliases": [], "Description": description, "Stage": ""}


def _description(command: click.Command) -> str:
    text = command.short_help or (command.help or "").split("\n\n")[0]
    text = " ".join(text.replace("\b", "").split())
    return text[:1].upper() + text[1:]


# Typer's completion options install completion for the bare command; `ibmcloud` completes plug-in
# commands itself, from this metadata.
STANDALONE_ONLY = ("install_completion", "show_completion")


def _options(command: click.Command) -> list[click.Option]:
    import click

    return [p for p in command.params if isinstance(p, click.Option) and p.name not in STANDALONE_ONLY]


def _flag(option: click.Option, *, hidden: bool | None = None) -> dict[str, Any]:
    # Cobra's convention (plugin.ConvertCobraFlagsToPluginFlags): names without dashes, short first,
    # joined by commas; the CLI adds the dashes when it prints help.
    names = sorted((*option.opts, *option.secondary_opts), key=lambda o: o.startswith("--"))
    help_text = " ".join((option.help or "").split())
    return {
        "Name": ",".join(n.lstrip("-") for n in names),
        "Description": help_text[:1].upper() + help_text[1:],
        "HasValue": _takes_value(option),
        "Hidden": bool(option.hidden if hidden is None else hidden),
    }


def _takes_value(option: click.Option) -> bool:
    return not option.is_flag and not option.count


def _metavar(param: click.Parameter) -> str:
    import click

    if param.metavar:
        return param.metavar
    if isinstance(param.type, click.Choice):
        return "|".join(str(c) for c in param.type.choices)
    if isinstance(param, click.Option):
        # `--format TEXT` says less than `--format FORMAT`; IBM's help style wants input in capitals.
        longest = max(param.opts, key=len).lstrip("-")
        return longest.upper().replace("-", "_")
    return (param.name or "ARG").upper()


def _usage_of(param: click.Parameter) -> str:
    import click

    if isinstance(param, click.Option):
        if param.secondary_opts:
            text = " | ".join((*param.opts, *param.secondary_opts))
            return f"[{text}]"
        # Every spelling, short first (`-p, --profile NAME`): the usage must show each flag declared.
        flag = ", ".join(sorted(param.opts, key=len))
        text = f"{flag} {_metavar(param)}" if _takes_value(param) else flag
        return text if param.required else f"[{text}]"
    text = _metavar(param)
    if text.startswith("["):  # Click already bracketed an optional argument's metavar
        text = text.strip("[]")
    if param.nargs == -1:
        text += "..."
    return text if param.required else f"[{text}]"


# --- dispatch -------------------------------------------------------------------------------------


def plugin_namespace(environ: Mapping[str, str]) -> str | None:
    """The namespace `ibmcloud` ran us in, as bluemix/env.go reads it (first non-empty variable)."""
    for name in NAMESPACE_VARIABLES:
        value = environ.get(name, "").strip()
        if value:
            return value
    return None


def rebuild_argv(
    argv: list[str] | None, environ: Mapping[str, str], *, root: click.Group | None = None
) -> list[str] | None:
    """The argv the app would have had if typed in full: `create X` in namespace
    `openscale-creds api-key` becomes `api-key create X`, and global options given after the
    command move in front of it. Outside `ibmcloud` (no namespace, or another plug-in's namespace
    inherited through the environment) `argv` is returned untouched."""
    namespace = plugin_namespace(environ)
    if namespace is None:
        return argv
    words = namespace.split()
    if words[0] != PLUGIN_NAME:
        # Not addressed to us: another plug-in's session that ran a script that runs us.
        return argv
    args = list(sys.argv[1:] if argv is None else argv)
    if root is None:
        from openscale_creds import cli

        root = _root_command(cli.app)
    group: click.Command = root
    for word in words[1:]:
        sub = _subcommand(group, word)
        if sub is None or not _is_group(sub):
            from openscale_creds.errors import UsageError

            raise UsageError(
                f"ibmcloud ran this plug-in in namespace '{namespace}', which openscale-creds "
                f"{_installed_version()} does not have",
                hint="reinstall the plug-in from this version: "
                "ibmcloud plugin install -f PATH_OF_openscale-creds",
            )
        group = sub
    from openscale_creds.cli import move_global_options

    return move_global_options(root, [*words[1:], *args])


def _installed_version() -> str:
    from openscale_creds import __version__

    return __version__


def _subcommand(group: click.Command, name: str) -> click.Command | None:
    import click

    if not isinstance(group, click.Group):
        return None
    return group.get_command(click.Context(group, info_name=PLUGIN_NAME), name)
