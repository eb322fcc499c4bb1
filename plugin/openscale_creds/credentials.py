"""OpenScale credentials: rendering them in each output format (pure: text out) and reading every
format back.

The yaml and json documents carry these keys, in this order (the three ids are all the instance
GUID, under the names the SDKs look for)::

    apikey, instance_guid, service_instance_id, data_mart_id, url, region, resource_group,
    instance_name, instance_crn, api_key_name, api_key_id, created_at

so ``json.load`` of the json file is a ready ``aios_credentials`` dict for the old
``ibm-ai-openscale`` SDK, and for the current one (ibm-watson-openscale 3.x)::

    APIClient(authenticator=IAMAuthenticator(apikey=c["apikey"]), service_url=c["url"],
              service_instance_id=c["instance_guid"])

A missing value is written as ``null``.

The shell formats (``env`` for sh/bash/zsh, ``powershell``, ``cmd``, ``fish``) and ``dotenv`` (the
``ibm-credentials.env`` file ibm-cloud-sdk-core's ``read_external_sources("ai_openscale")`` reads)
set exactly the variables of `Credentials.env`: ``AI_OPENSCALE_APIKEY``, ``AI_OPENSCALE_URL``,
``AI_OPENSCALE_AUTH_TYPE=iam``, ``AI_OPENSCALE_INSTANCE_GUID``, ``WATSONX_APIKEY``,
``WXG_SERVICE_INSTANCE_ID`` and ``WATSONX_REGION``. ibm-watson-openscale's
``APIClient.new_instance()`` does *not* build a working client from them (it needs a service name,
drops ``AI_OPENSCALE_URL``'s ``/openscale/{GUID}`` path and reads no instance GUID): the README
shows the three lines that do. The ``WATSONX_*``/``WXG_*`` variables are read by ibm-watsonx-gov
from the process environment only, never from a dotenv file.

A variable whose value is unknown or empty (no URL, no region) is left out rather than set empty: an
empty ``AI_OPENSCALE_URL`` would override the SDK's default with nothing. Quoting is shellquote's; a
value a dialect cannot carry exactly raises ``errors.Unrepresentable``. A cmd script whose values
are not all ASCII starts with ``@chcp 65001 >nul``, because cmd reads batch files in the console's
code page; save each format in `file_encoding(fmt)`.

What rotation needs and no variable carries (the API key's id and name, the instance's name and CRN,
the resource group, the creation time) goes in one comment line at the top of each shell and dotenv
file, which every consumer ignores (ibm-cloud-sdk-core splits it at ``=`` into a key starting with
``#`` that matches no service)::

    # openscale-creds: {"instance_name": "my instance", "api_key_id": "ApiKey-..."}
    REM openscale-creds: {"instance_name": "my instance", "api_key_id": "ApiKey-..."}

a JSON object on one line, with every character that is not printable (and, for cmd, every
character that is not ASCII or that cmd expands: ``% ^ !``) written as a ``\\uXXXX`` escape.

`load` reads all seven formats back as their consumer does (`detect_format` tells which one a text
is in); `load_file` reads a file through `readfile.read_small_file`'s limits.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from openscale_creds import errors
from openscale_creds.choices import CREDENTIAL_FORMATS

if TYPE_CHECKING:
    from openscale_creds.shellquote import Dialect

FORMATS: tuple[str, ...] = CREDENTIAL_FORMATS

DOCUMENT_KEYS: tuple[str, ...] = (
    "apikey",
    "instance_guid",
    "service_instance_id",
    "data_mart_id",
    "url",
    "region",
    "resource_group",
    "instance_name",
    "instance_crn",
    "api_key_name",
    "api_key_id",
    "created_at",
)

# The fields the variables do not carry: the shell and dotenv formats keep them in their comment.
METADATA_KEYS: tuple[str, ...] = (
    "instance_name",
    "resource_group",
    "instance_crn",
    "api_key_name",
    "api_key_id",
    "created_at",
)
METADATA_MARKER = "openscale-creds:"

_DIALECTS: dict[str, Dialect] = {
    "env": "env",
    "powershell": "powershell",
    "cmd": "cmd",
    "fish": "fish",
    "dotenv": "dotenv",
}

_SUFFIX_FORMATS: dict[str, str] = {
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
    ".env": "dotenv",
    ".sh": "env",
    ".ps1": "powershell",
    ".cmd": "cmd",
    ".bat": "cmd",
    ".fish": "fish",
}


@dataclass(frozen=True)
class Credentials:
    """What a user needs to reach their OpenScale instance; the rest is provenance."""

    apikey: str
    instance_guid: str
    url: str | None = None
    region: str | None = None
    resource_group: str | None = None
    instance_name: str | None = None
    instance_crn: str | None = None
    api_key_name: str | None = None
    api_key_id: str | None = None
    created_at: str | None = None

    def __repr__(self) -> str:  # a key must never reach a log or traceback through repr()
        shown = [
            f"{f.name}={'***' if f.name == 'apikey' else getattr(self, f.name)!r}"
            for f in dataclasses.fields(self)
        ]
        return f"Credentials({', '.join(shown)})"

    def env(self) -> dict[str, str]:
        """The credential environment variables, name -> value, in the order the shell formats set
        them: the same names and values as the ``env`` format, unknown URL and region left out::

            AI_OPENSCALE_APIKEY, AI_OPENSCALE_URL, AI_OPENSCALE_AUTH_TYPE ("iam"),
            AI_OPENSCALE_INSTANCE_GUID, WATSONX_APIKEY, WXG_SERVICE_INSTANCE_ID, WATSONX_REGION

        For a child's environment (``exec``) or ``os.environ.update`` in a notebook. The dict holds
        the key: never log it.
        """
        return dict(variables(self))


def mask(secret: str) -> str:
    """A display form that tells keys apart but is never itself a usable key: the first four
    characters of a long key and its length (short secrets show only their length)."""
    shown = secret[:4] if len(secret) >= 16 else ""
    return f"{shown}*** ({len(secret)} chars)"


def masked(creds: Credentials) -> Credentials:
    """The same credentials with the key masked, for showing on screen (`make demo`)."""
    return dataclasses.replace(creds, apikey=mask(creds.apikey))


def format_from_path(path: str | None) -> str:
    """The output format a file name implies: ``.yaml``/``.yml`` yaml, ``.json`` json, ``.env``
    (e.g. ``ibm-credentials.env``) dotenv, ``.sh`` env, ``.ps1`` powershell, ``.cmd``/``.bat`` cmd,
    ``.fish`` fish; anything else, no path, or ``-`` (stdout) yaml."""
    if path is None or path == "-":
        return "yaml"
    name = PurePath(path).name.lower()
    if name == ".env":  # a bare dotfile has no suffix in pathlib's eyes
        return "dotenv"
    return _SUFFIX_FORMATS.get(PurePath(name).suffix, "yaml")


def file_encoding(fmt: str) -> str:
    """The encoding to save a format in: UTF-8, except PowerShell scripts, which get a BOM because
    Windows PowerShell 5.1 reads a .ps1 without one in the ANSI code page. (A BOM would break the
    first line of a .cmd file, and the SDKs' readers do not expect one.)"""
    return "utf-8-sig" if fmt == "powershell" else "utf-8"


def to_document(creds: Credentials) -> dict[str, str | None]:
    """The yaml/json document, keys in `DOCUMENT_KEYS` order."""
    return {
        "apikey": creds.apikey,
        "instance_guid": creds.instance_guid,
        "service_instance_id": creds.instance_guid,
        "data_mart_id": creds.instance_guid,
        "url": creds.url,
        "region": creds.region,
        "resource_group": creds.resource_group,
        "instance_name": creds.instance_name,
        "instance_crn": creds.instance_crn,
        "api_key_name": creds.api_key_name,
        "api_key_id": creds.api_key_id,
        "created_at": creds.created_at,
    }


def variables(creds: Credentials) -> list[tuple[str, str]]:
    """The environment variables the shell and dotenv formats set, unknown (or empty) values left out."""
    pairs: list[tuple[str, str | None]] = [
        ("AI_OPENSCALE_APIKEY", creds.apikey),
        ("AI_OPENSCALE_URL", creds.url or None),
        ("AI_OPENSCALE_AUTH_TYPE", "iam"),
        ("AI_OPENSCALE_INSTANCE_GUID", creds.instance_guid),
        ("WATSONX_APIKEY", creds.apikey),
        ("WXG_SERVICE_INSTANCE_ID", creds.instance_guid),
        ("WATSONX_REGION", creds.region or None),
    ]
    return [(name, value) for name, value in pairs if value is not None]


def render(creds: Credentials, fmt: str) -> str:
    """The credentials as the text of one format in `FORMATS`, ending with exactly one newline: no
    blank line at the end (PowerShell users asked for that). A value with a NUL character or a lone
    surrogate (not text: no file or environment can hold it) is refused in every format."""
    if fmt not in FORMATS:
        raise errors.UsageError(
            f"unknown credentials format {fmt!r}", hint=f"choose one of {', '.join(FORMATS)}"
        )
    _refuse_non_text(creds, errors.Unrepresentable)
    if fmt == "json":
        return json.dumps(to_document(creds), indent=2, ensure_ascii=False) + "\n"
    if fmt == "yaml":
        return _dump_yaml(to_document(creds))
    from openscale_creds.shellquote import comment, render_assignments

    dialect = _DIALECTS[fmt]
    pairs = variables(creds)
    text = render_assignments(pairs, dialect)
    meta = _metadata_text(creds, cmd=dialect == "cmd")
    if meta is not None:
        text = comment(f"{METADATA_MARKER} {meta}", "bat" if dialect == "cmd" else "posix") + "\n" + text
    if dialect == "cmd" and not all(value.isascii() for _, value in pairs):
        # cmd reads a batch file in the console's OEM code page; the file is UTF-8. The switch
        # outlives the script, so it is only written when a value needs it.
        text = "@chcp 65001 >nul\n" + text
    return text


def _refuse_non_text(creds: Credentials, error: type[errors.UsageError]) -> None:
    for field in dataclasses.fields(creds):
        value = getattr(creds, field.name)
        if value is None:
            continue
        if "\0" in value:
            problem = "a NUL character"
        elif any("\ud800" <= ch <= "\udfff" for ch in value):
            problem = "a lone surrogate (not valid Unicode text)"
        else:
            continue
        raise error(
            f"the {field.name} contains {problem}, which no credentials format or environment can hold",
            hint="check the value for stray control characters",
        )


def _metadata_text(creds: Credentials, *, cmd: bool) -> str | None:
    meta = {key: getattr(creds, key) for key in METADATA_KEYS if getattr(creds, key) is not None}
    if not meta:
        return None
    dumped = json.dumps(meta, ensure_ascii=cmd)
    # Only string contents can hold these characters, and a \\u escape means the same there. A
    # line break (U+2028 counts for some readers) or a bidi control must not reach the file as is,
    # and in cmd `%` (and `!`, `^`) are expanded or escape even in a REM line.
    special = "%^!" if cmd else ""
    return "".join(_json_escape(ch) if ch in special or not ch.isprintable() else ch for ch in dumped)


def _json_escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _dump_yaml(doc: dict[str, str | None]) -> str:
    import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        # PyYAML folds NEL (U+0085) in its single-quoted style into a space; the double-quoted style
        # escapes every line break, and keeps each value on its key's line.
        style = '"' if any(ch in value for ch in "\r\n\x85\u2028\u2029") else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, text)
    # A huge width keeps long values on their key's line too, so the file stays grep-able.
    dumped: str = yaml.dump(
        doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=2**30
    )
    return dumped


# --- reading back ----------------------------------------------------------------------------------

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_ASSIGNMENT = re.compile(_NAME + "=")
_EXPORT = re.compile(r"export[ \t]")
_PS_LINE = re.compile(r"\$env:", re.IGNORECASE)
_CMD_LINE = re.compile(
    r"@?[ \t]*(?:rem(?:[ \t]|\Z)|::|chcp[ \t]|echo[ \t]+off|set[ \t]+(?:\"|" + _NAME + "=))", re.IGNORECASE
)
_FISH_LINE = re.compile(r"set[ \t]+(?:-|" + _NAME + r"[ \t])")

# Environment variable -> Credentials field; the names after the first must agree with it.
_VARIABLE_FIELDS: dict[str, tuple[str, ...]] = {
    "apikey": ("AI_OPENSCALE_APIKEY", "WATSONX_APIKEY"),
    "instance_guid": ("AI_OPENSCALE_INSTANCE_GUID", "WXG_SERVICE_INSTANCE_ID"),
    "url": ("AI_OPENSCALE_URL",),
    "region": ("WATSONX_REGION",),
}


def load(text: str | bytes) -> Credentials:
    """The credentials in `text`, in any of the seven formats (see `load_with_format`)."""
    return load_with_format(text)[0]


def load_file(path: Path) -> tuple[Credentials, str]:
    """(credentials, format) of the file at `path`, read within `readfile.read_small_file`'s limits
    (a regular file of at most 64 kB). Every failure is a one-line `errors.UsageError` that names
    the path and never quotes the file's content."""
    from openscale_creds.readfile import read_small_file

    data = read_small_file(path, what="credentials file")
    try:
        return load_with_format(data)
    except errors.UsageError as exc:
        exc.message = f"{path}: {exc.message}"
        raise


def load_with_format(text: str | bytes) -> tuple[Credentials, str]:
    """(credentials, format) of a saved credentials text in any format `render` writes, read as its
    consumer reads it: yaml and json documents; ``env`` as sh does (``export NAME=WORD`` with sh's
    quoting; anything sh would expand is refused); ``powershell`` (``$Env:NAME = '...'``),
    ``cmd`` (``set "NAME=value"`` after cmd's ``%%`` and caret rules, ``@chcp``/``REM`` lines),
    ``fish`` (``set -gx NAME '...'``) and ``dotenv`` by ibm-cloud-sdk-core's rule. The shell and
    dotenv formats' ``openscale-creds:`` comment at the top gives back the other fields.

    Bytes may be UTF-8 (with or without a BOM) or UTF-16/32 with a BOM, as Windows editors and
    PowerShell 5.1 write them; CRLF line ends are fine except where sh or fish would keep the CR in
    a value. Failures raise `errors.UsageError` (one line) naming the problem and the line number,
    never the file's content (it holds a key)."""
    if isinstance(text, bytes):
        text = _decode(text)
    text = text.removeprefix("\ufeff")
    fmt = detect_format(text)
    if fmt == "json":
        return _from_document(_parse_json(text), fmt), fmt
    if fmt == "yaml":
        return _from_document(_parse_yaml(text), fmt), fmt
    found, header = _READERS[fmt](text)
    return _from_variables(found, _metadata(header, fmt), fmt), fmt


def detect_format(text: str) -> str:
    """Which of `FORMATS` a credentials text is in, from its first line that is not blank or a ``#``
    comment: ``{``/``[`` json, ``export`` env, ``$Env:`` powershell, ``@chcp``/``REM``/``set "``
    cmd, ``set -gx`` fish, ``NAME=`` dotenv, anything else yaml. An empty text is a usage error."""
    for raw in _lines(text.removeprefix("\ufeff")):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("{", "[")):
            return "json"
        if _EXPORT.match(line):
            return "env"
        if _PS_LINE.match(line):
            return "powershell"
        if _CMD_LINE.match(line):
            return "cmd"
        if _FISH_LINE.match(line):
            return "fish"
        if _ASSIGNMENT.match(line):
            return "dotenv"
        return "yaml"
    raise errors.UsageError("the credentials file is empty")


def _lines(text: str) -> list[str]:
    # Universal newlines, as Python's text files (ibm-cloud-sdk-core's reader) see them.
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _decode(data: bytes) -> str:
    import codecs

    boms = (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    )
    encoding = next((enc for bom, enc in boms if data.startswith(bom)), "utf-8")
    if encoding == "utf-8" and len(data) >= 2 and (data[0] == 0) != (data[1] == 0):
        # UTF-16 without a BOM: ASCII text shows a NUL beside every character.
        encoding = "utf-16-le" if data[1] == 0 else "utf-16-be"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise errors.UsageError(
            "cannot read the credentials file: it is not UTF-8 or UTF-16 text",
            hint="save it as UTF-8",
        ) from None


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise errors.UsageError(
            f"cannot read the credentials file as JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise _too_deep("JSON") from None
    except ValueError:  # an integer past sys.get_int_max_str_digits()
        raise _too_long_number("JSON") from None


def _parse_yaml(text: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        # str(exc) quotes the offending line, which may be the key's line: show only the position.
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise errors.UsageError(f"cannot read the credentials file as YAML: {problem}{where}") from None
    except RecursionError:
        raise _too_deep("YAML") from None
    except ValueError:  # PyYAML's int() of a decimal past sys.get_int_max_str_digits()
        raise _too_long_number("YAML") from None


# A whole `setup` (its instance included), so the hint works when pasted.
_SETUP_AGAIN = "`openscale-creds setup <GUID or name> --out FILE --force`"


def _too_deep(kind: str) -> errors.UsageError:
    return errors.UsageError(
        f"cannot read the credentials file as {kind}: it is nested too deeply to be a credentials file",
        hint=f"write the file again with {_SETUP_AGAIN}",
    )


def _too_long_number(kind: str) -> errors.UsageError:
    return errors.UsageError(
        f"cannot read the credentials file as {kind}: it holds a number too long to be a credential",
        hint=f"quote the value, or write the file again with {_SETUP_AGAIN}",
    )


def _line_error(fmt: str, lineno: int, problem: str, hint: str | None = None) -> errors.UsageError:
    return errors.UsageError(
        f"cannot read the credentials file ({fmt}): line {lineno} {problem}",
        hint=hint or f"write the file again with {_SETUP_AGAIN}",
    )


# Each reader: (variables the file sets, comment texts before its first assignment).
_Read = tuple[dict[str, str], list[tuple[int, str]]]


def _read_dotenv(text: str) -> _Read:
    # ibm-cloud-sdk-core's read_from_credential_file: strip the line, split on the first '=', no
    # quotes, no escapes. A comment line splits into a key starting with '#', which no service
    # matches: it is ignored.
    found: dict[str, str] = {}
    header: list[tuple[int, str]] = []
    for lineno, line in enumerate(_lines(text), start=1):
        line = line.strip()
        if line.startswith("#"):
            if not found:
                header.append((lineno, line[1:]))
            continue
        name, sep, value = line.partition("=")
        if sep:
            found[name] = value
    return found, header


def _read_powershell(text: str) -> _Read:
    found: dict[str, str] = {}
    header: list[tuple[int, str]] = []
    seen = False
    for lineno, raw in enumerate(_lines(text), start=1):
        line = raw.strip(" \t")
        if not line:
            continue
        if line.startswith("<#"):
            raise _line_error(
                "powershell", lineno, "starts a block comment, which this reader does not follow"
            )
        if line.startswith("#"):
            if not seen:
                header.append((lineno, line[1:]))
            continue
        m = re.match(r"\$env:(" + _NAME + r")[ \t]*=[ \t]*", line, re.IGNORECASE)
        if m is None:
            raise _line_error("powershell", lineno, "is not a `$Env:NAME = 'value'` line")
        seen = True
        value = _powershell_string(line[m.end() :], lineno)
        name = m.group(1).upper()  # Windows environment names ignore case
        if value == "":
            found.pop(name, None)  # .NET removes a variable set to ""
        else:
            found[name] = value
    return found, header


_PS_SINGLE = "'\u2018\u2019\u201a\u201b"
_PS_DOUBLE = '"\u201c\u201d\u201e'


def _powershell_string(rhs: str, lineno: int) -> str:
    """A verbatim string ('...', any of PowerShell's five single quotes, doubled inside), or a
    double-quoted one with nothing PowerShell would expand; then only a comment may follow."""
    if rhs[:1] in _PS_SINGLE and rhs:
        out: list[str] = []
        i = 1
        while True:
            if i >= len(rhs):
                raise _line_error("powershell", lineno, "has a quote that is not closed")
            if rhs[i] in _PS_SINGLE:
                if i + 1 < len(rhs) and rhs[i + 1] in _PS_SINGLE:
                    out.append(rhs[i + 1])
                    i += 2
                    continue
                break
            out.append(rhs[i])
            i += 1
        rest = rhs[i + 1 :].strip(" \t")
        value = "".join(out)
    elif rhs[:1] in _PS_DOUBLE and rhs:
        end = next((j for j in range(1, len(rhs)) if rhs[j] in _PS_DOUBLE), None)
        if end is None:
            raise _line_error("powershell", lineno, "has a quote that is not closed")
        value = rhs[1:end]
        if any(ch in value for ch in "$`"):
            raise _line_error(
                "powershell", lineno, "has a double-quoted value PowerShell would expand", "use '...' quotes"
            )
        rest = rhs[end + 1 :].strip(" \t")
    else:
        raise _line_error("powershell", lineno, "does not assign one quoted string", "use '...' quotes")
    if rest and not rest.startswith("#"):
        raise _line_error("powershell", lineno, "has more after the quoted value")
    return value


def _read_cmd(text: str) -> _Read:
    """A batch file run with `call`, delayed expansion off: phase 1 turns `%%` into `%` (any other
    `%` expands something, refused); phase 2 toggles quote mode at `"` and drops a caret outside
    quotes, keeping the next character; `set "NAME=value"` keeps what lies between the first quote
    and the last one."""
    found: dict[str, str] = {}
    header: list[tuple[int, str]] = []
    seen = False
    for lineno, raw in enumerate(_lines(text), start=1):
        line = _cmd_phase1(raw, lineno)
        if not line:
            continue
        comment = _cmd_comment(line, lineno)
        if comment is not None:
            if not seen:
                header.append((lineno, comment))
            continue
        if re.fullmatch(r"chcp[ \t]+\d+(?:[ \t]*>[ \t]*nul)?|echo[ \t]+off", line.lower()):
            continue
        seen = True
        name, value = _cmd_set(line, lineno)
        if value == "":
            found.pop(name, None)  # `set NAME=` deletes the variable
        else:
            found[name] = value
    return found, header


def _cmd_phase1(raw: str, lineno: int) -> str:
    """The line after `%` expansion, with the `@` and blanks cmd skips before a command stripped."""
    if "%" in raw.replace("%%", ""):
        raise _line_error("cmd", lineno, "has a % that cmd would expand", "write %% for a literal %")
    return raw.replace("%%", "%").lstrip(" \t@").rstrip(" \t")


def _cmd_comment(line: str, lineno: int) -> str | None:
    """The text of a `rem` or `::` comment line, or None for any other line."""
    if not re.match(r"rem(?:[ \t]|\Z)|::", line.lower()):
        return None
    if line.endswith("^"):
        raise _line_error("cmd", lineno, "ends with ^, which would join the next line to the comment")
    return line[2:] if line.startswith("::") else line[3:]


def _cmd_set(line: str, lineno: int) -> tuple[str, str]:
    """The (NAME in upper case, value) a `set` line assigns."""
    if not re.match(r"set[ \t]", line.lower()):
        raise _line_error("cmd", lineno, 'is not a `set "NAME=value"` line')
    argument = _cmd_phase2(line[4:], lineno).lstrip(" \t")
    if argument.startswith('"'):
        last = argument.rfind('"')
        argument = argument[1:last] if last > 0 else argument[1:]
    name, sep, value = argument.partition("=")
    if not sep or not re.fullmatch(_NAME, name):
        raise _line_error("cmd", lineno, 'is not a `set "NAME=value"` line')
    return name.upper(), value


def _cmd_phase2(line: str, lineno: int) -> str:
    out: list[str] = []
    quoted = False
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "^":
            if i + 1 == len(line):
                raise _line_error("cmd", lineno, "ends with ^, which would join the next line")
            i += 1
            ch = line[i]
        elif not quoted and ch in "&|<>()":
            raise _line_error("cmd", lineno, f"has an unescaped {ch}, which cmd runs as an operator")
        out.append(ch)
        i += 1
    return "".join(out)


# Characters sh and fish leave alone outside quotes (shlex.quote's safe set).
_BARE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-")


def _shell_commands(text: str, fmt: str) -> tuple[list[tuple[int, list[str]]], list[tuple[int, str]]]:
    """The simple commands of an sh (``env``) or fish text, each (line, words), and the comments
    before the first one. Only quoting is interpreted; anything the shell would expand, run or
    redirect is refused, so the words are what the shell itself would see."""
    return _ShellLexer(text, fmt).run()


class _ShellLexer:
    """One pass over an sh or fish text, one method per character that starts a quoting form.

    Each method starts at ``self.i`` (on its character) and leaves ``self.i`` just past what it read;
    ``self.lineno`` follows every newline read, quoted or not, so errors name the right line."""

    def __init__(self, text: str, fmt: str) -> None:
        self.text = text
        self.fmt = fmt
        self.fish = fmt == "fish"
        self.commands: list[tuple[int, list[str]]] = []
        self.header: list[tuple[int, str]] = []
        self.words: list[str] = []
        self.word: list[str] | None = None  # None between words; [] is an empty word such as ''
        self.lineno = 1
        self.start = 1  # the line of the current command's first word
        self.i = 0
        self._forms: dict[str, Callable[[str], None]] = {
            " ": self._blank,
            "\t": self._blank,
            "\n": self._blank,
            "#": self._hash,
            "'": self._single_quoted,
            '"': self._double_quoted,
            "\\": self._backslash,
            "\r": self._carriage_return,
        }

    def run(self) -> tuple[list[tuple[int, list[str]]], list[tuple[int, str]]]:
        while self.i < len(self.text):
            ch = self.text[self.i]
            self._forms.get(ch, self._bare)(ch)
        self._end_word()
        if self.words:
            self.commands.append((self.start, self.words))
        return self.commands, self.header

    def _fail(self, problem: str, hint: str | None = None) -> errors.UsageError:
        return _line_error(self.fmt, self.lineno, problem, hint)

    def _interpreted(self) -> errors.UsageError:
        return self._fail("has an unquoted character the shell would interpret", "quote the value with '...'")

    def _open_word(self) -> list[str]:
        if self.word is None:
            self.word = []
            if not self.words:
                self.start = self.lineno
        return self.word

    def _end_word(self) -> None:
        if self.word is not None:
            self.words.append("".join(self.word))
            self.word = None

    def _blank(self, ch: str) -> None:
        self._end_word()
        if ch == "\n":
            if self.words:
                self.commands.append((self.start, self.words))
            self.words = []
            self.lineno += 1
        self.i += 1

    def _hash(self, ch: str) -> None:
        if self.word is not None:  # inside a word, # is an ordinary character
            self.word.append(ch)
            self.i += 1
            return
        end = self.text.find("\n", self.i)
        end = len(self.text) if end == -1 else end
        if not self.commands and not self.words:
            self.header.append((self.lineno, self.text[self.i + 1 : end]))
        self.i = end

    def _quoted(self, close: str, escapes: tuple[str, ...], expands: str) -> None:
        """The body of a quoted string up to `close`: a backslash before one of `escapes` keeps
        that character (a backslash-newline is a line continuation and keeps nothing); any
        character of `expands` is refused."""
        word = self._open_word()
        text, i, opened = self.text, self.i + 1, self.lineno
        while True:
            if i >= len(text):
                raise _line_error(self.fmt, opened, "has a quote that is not closed")
            c = text[i]
            if c == close:
                break
            if c in expands:
                raise self._fail("has a double-quoted value the shell would expand", "use '...' quotes")
            if c == "\\" and text[i + 1 : i + 2] in escapes:
                i += 1
                c = text[i]
                if c == "\n":
                    self.lineno += 1
                    i += 1
                    continue
            self.lineno += c == "\n"
            word.append(c)
            i += 1
        self.i = i + 1

    def _single_quoted(self, ch: str) -> None:
        # sh keeps everything up to the next quote; fish also reads \' and \\ inside.
        self._quoted("'", ("'", "\\") if self.fish else (), "")

    def _double_quoted(self, ch: str) -> None:
        if self.fish:
            self._quoted('"', ('"', "$", "\\", "\n"), "$")
        else:
            self._quoted('"', ('"', "$", "\\", "\n", "`"), "$`")

    def _backslash(self, ch: str) -> None:
        text, i = self.text, self.i
        # Refused: fish's escapes outside quotes (\n, \xHH, ...), which this reader does not follow,
        # and in sh a backslash that escapes a CR or ends the text.
        if self.fish or i + 1 >= len(text) or text[i + 1] == "\r":
            raise self._interpreted()
        if text[i + 1] == "\n":
            self.lineno += 1
        else:
            self._open_word().append(text[i + 1])
        self.i += 2

    def _carriage_return(self, ch: str) -> None:
        raise self._fail(
            "has a CR (a Windows line end) outside quotes, which the shell may keep in a value",
            "convert the file to LF line ends",
        )

    def _bare(self, ch: str) -> None:
        if ch not in _BARE:
            raise self._interpreted()
        text, end = self.text, self.i + 1
        while end < len(text) and text[end] in _BARE:  # the whole run at once: most of a file is bare
            end += 1
        self._open_word().append(text[self.i : end])
        self.i = end


def _read_env(text: str) -> _Read:
    found: dict[str, str] = {}
    commands, header = _shell_commands(text, "env")
    for lineno, words in commands:
        exporting = words[0] == "export"
        for word in words[1:] if exporting else words:
            name, sep, value = word.partition("=")
            # Without `export` in front, a word that is not NAME=value is a command to run.
            if not re.fullmatch(_NAME, name) or not (sep or exporting):
                raise _line_error("env", lineno, "is not an `export NAME=value` line")
            if sep:
                found[name] = value
    return found, header


def _read_fish(text: str) -> _Read:
    found: dict[str, str] = {}
    commands, header = _shell_commands(text, "fish")
    for lineno, words in commands:
        # `set` reads options up to the first word that is not one: NAME. A value may start with -.
        count = next((k for k, w in enumerate(words[1:]) if not w.startswith("-")), len(words) - 1)
        flags, rest = words[1 : 1 + count], words[1 + count :]
        # Only an exported variable reaches the programs fish starts.
        exported = any(f == "--export" or re.fullmatch(r"-[gU]*x[gU]*", f) for f in flags)
        known = all(re.fullmatch(r"-[gxU]+|--(?:global|export|universal)", f) for f in flags)
        simple = len(rest) == 2 and re.fullmatch(_NAME, rest[0]) is not None
        if words[0] != "set" or not exported or not known or not simple:
            raise _line_error("fish", lineno, "is not a `set -gx NAME 'value'` line")
        found[rest[0]] = rest[1]
    return found, header


_READERS = {
    "env": _read_env,
    "powershell": _read_powershell,
    "cmd": _read_cmd,
    "fish": _read_fish,
    "dotenv": _read_dotenv,
}


def _metadata(header: list[tuple[int, str]], fmt: str) -> dict[str, str]:
    """The fields of the ``openscale-creds:`` comment among the comments before the first assignment."""
    found: dict[str, str] = {}
    marked = [(lineno, c.strip()) for lineno, c in header if c.strip().startswith(METADATA_MARKER)]
    if len(marked) > 1:
        raise _line_error(fmt, marked[1][0], f"is a second {METADATA_MARKER} comment", "keep one")
    for lineno, comment_text in marked:
        try:
            doc = json.loads(comment_text[len(METADATA_MARKER) :])
        except (ValueError, RecursionError):
            doc = None
        if not isinstance(doc, dict) or not all(
            isinstance(value, str) or value is None for value in doc.values()
        ):
            raise _line_error(
                fmt,
                lineno,
                f"is an {METADATA_MARKER} comment that is not a JSON object of texts",
                f"delete that line or write the file again with {_SETUP_AGAIN}",
            )
        found = {key: value for key, value in doc.items() if key in METADATA_KEYS and value is not None}
    return found


def _from_variables(found: Mapping[str, str], meta: Mapping[str, str], fmt: str) -> Credentials:
    values: dict[str, str | None] = dict(meta)
    for field, names in _VARIABLE_FIELDS.items():
        present = {name: found[name] for name in names if found.get(name)}
        if len(set(present.values())) > 1:
            raise errors.UsageError(
                f"the credentials file ({fmt}) has different values for {' and '.join(present)}",
                hint="they must be the same",
            )
        values[field] = next(iter(present.values()), None)
    return _build(
        values, fmt, {"apikey": "AI_OPENSCALE_APIKEY", "instance_guid": "AI_OPENSCALE_INSTANCE_GUID"}
    )


def _from_document(doc: Any, fmt: str) -> Credentials:
    if not isinstance(doc, dict):
        raise errors.UsageError(f"the credentials file ({fmt}) is not a mapping of keys to values")
    values = {key: _as_text(key, doc.get(key), fmt) for key in DOCUMENT_KEYS}
    ids = {
        key: values[key] for key in ("instance_guid", "service_instance_id", "data_mart_id") if values[key]
    }
    if len(set(ids.values())) > 1:
        raise errors.UsageError(
            f"the credentials file ({fmt}) has different values for {', '.join(ids)}",
            hint="they must all be the instance GUID",
        )
    guid = next(iter(ids.values()), None)
    instance_id = _as_text("instance_id", doc.get("instance_id"), fmt)
    if guid is None and instance_id:
        # The old SDK also accepts a CRN here and takes its last segment as the GUID.
        guid = instance_id.strip(":").split(":")[-1] or None
    fields = {f.name for f in dataclasses.fields(Credentials)}
    chosen = {key: value for key, value in values.items() if key in fields}
    chosen["instance_guid"] = guid
    return _build(chosen, fmt, {"apikey": "apikey", "instance_guid": "instance_guid"})


def _as_text(key: str, value: Any, fmt: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise errors.UsageError(f"the credentials file ({fmt}) has a true/false value for {key!r}")
    if isinstance(value, int | float):
        try:
            return str(value)
        except ValueError:  # a hex or octal integer whose decimal form is past the digit limit
            raise _too_long_number(fmt.upper()) from None
    if isinstance(value, datetime.date):  # an unquoted timestamp in hand-edited yaml
        return value.isoformat()
    raise errors.UsageError(
        f"the credentials file ({fmt}) has a {type(value).__name__} for {key!r}, not text"
    )


def _build(values: Mapping[str, str | None], fmt: str, names: Mapping[str, str]) -> Credentials:
    apikey = values.get("apikey")
    guid = values.get("instance_guid")
    if not apikey or not guid:
        missing = [names[key] for key, value in (("apikey", apikey), ("instance_guid", guid)) if not value]
        raise errors.UsageError(
            f"the credentials file ({fmt}) has no {' and no '.join(missing)}",
            hint="add the value or write the file again",
        )
    rest = {key: value for key, value in values.items() if key not in ("apikey", "instance_guid")}
    creds = Credentials(apikey=apikey, instance_guid=guid, **rest)
    _refuse_non_text(creds, errors.UsageError)
    return creds
