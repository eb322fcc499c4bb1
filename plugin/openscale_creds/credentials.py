"""OpenScale credentials: rendering them in each output format (pure: text out) and reading a saved
file back.

The yaml and json documents carry these keys, in this order (the three ids are all the instance
GUID, under the names the SDKs look for)::

    apikey, instance_guid, service_instance_id, data_mart_id, url, region, resource_group,
    instance_name, instance_crn, api_key_name, api_key_id, created_at

so ``json.load`` of the json file is a ready ``aios_credentials`` dict for the old
``ibm-ai-openscale`` SDK, and for the current one::

    APIClient(authenticator=IAMAuthenticator(apikey=c["apikey"]), service_url=c["url"],
              service_instance_id=c["instance_guid"])

A missing value is written as ``null``.

The shell formats (``env`` for sh/bash/zsh, ``powershell``, ``cmd``, ``fish``) and ``dotenv`` (the
``ibm-credentials.env`` file ibm-cloud-sdk-core reads, so ``APIClient.new_instance()`` needs no
arguments) set ``AI_OPENSCALE_APIKEY``, ``AI_OPENSCALE_URL``, ``AI_OPENSCALE_AUTH_TYPE=iam``,
``AI_OPENSCALE_INSTANCE_GUID``, ``WATSONX_APIKEY``, ``WXG_SERVICE_INSTANCE_ID`` and
``WATSONX_REGION``. A variable whose value is unknown (no URL, no region) is left out rather than
set empty: an empty ``AI_OPENSCALE_URL`` would override the SDK's default with nothing. Quoting is
shellquote's; a value a dialect cannot carry exactly raises ``errors.Unrepresentable``. A cmd
script whose values are not all ASCII starts with ``@chcp 65001 >nul``, because cmd reads batch
files in the console's code page; save each format in `file_encoding(fmt)`.

`load` reads yaml, json, dotenv and env files back (other shell formats are for shells only).
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from openscale_creds import errors

if TYPE_CHECKING:
    from openscale_creds.shellquote import Dialect

FORMATS: tuple[str, ...] = ("yaml", "json", "env", "powershell", "cmd", "fish", "dotenv")

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
    """The environment variables the shell and dotenv formats set, unknown values left out."""
    pairs: list[tuple[str, str | None]] = [
        ("AI_OPENSCALE_APIKEY", creds.apikey),
        ("AI_OPENSCALE_URL", creds.url),
        ("AI_OPENSCALE_AUTH_TYPE", "iam"),
        ("AI_OPENSCALE_INSTANCE_GUID", creds.instance_guid),
        ("WATSONX_APIKEY", creds.apikey),
        ("WXG_SERVICE_INSTANCE_ID", creds.instance_guid),
        ("WATSONX_REGION", creds.region),
    ]
    return [(name, value) for name, value in pairs if value is not None]


def render(creds: Credentials, fmt: str) -> str:
    """The credentials as the text of one format in `FORMATS`, ending with exactly one newline: no
    blank line at the end (PowerShell users asked for that)."""
    if fmt == "json":
        return json.dumps(to_document(creds), indent=2, ensure_ascii=False) + "\n"
    if fmt == "yaml":
        return _dump_yaml(to_document(creds))
    dialect = _DIALECTS.get(fmt)
    if dialect is not None:
        from openscale_creds.shellquote import render_assignments

        pairs = variables(creds)
        text = render_assignments(pairs, dialect)
        if dialect == "cmd" and not all(value.isascii() for _, value in pairs):
            # cmd reads a batch file in the console's OEM code page; the file is UTF-8. The switch
            # outlives the script, so it is only written when a value needs it.
            text = "@chcp 65001 >nul\n" + text
        return text
    raise errors.UsageError(f"unknown credentials format {fmt!r}", hint=f"choose one of {', '.join(FORMATS)}")


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

_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_EXPORT = re.compile(r"export\s+[A-Za-z_][A-Za-z0-9_]*=")

# Environment variable -> Credentials field, first name present wins.
_VARIABLE_FIELDS: dict[str, tuple[str, ...]] = {
    "apikey": ("AI_OPENSCALE_APIKEY", "WATSONX_APIKEY"),
    "instance_guid": ("AI_OPENSCALE_INSTANCE_GUID", "WXG_SERVICE_INSTANCE_ID"),
    "url": ("AI_OPENSCALE_URL",),
    "region": ("WATSONX_REGION",),
}


def load(text: str | bytes) -> Credentials:
    """Read credentials saved as yaml, json, dotenv (``ibm-credentials.env``) or the POSIX ``env``
    format. Bytes may be UTF-8 (with or without a BOM) or UTF-16/32 with a BOM, as Windows editors
    and PowerShell 5.1 write them. Failures raise `errors.UsageError` naming the missing or bad
    key; the file's content is never quoted (it holds a key)."""
    if isinstance(text, bytes):
        text = _decode(text)
    text = text.removeprefix("\ufeff")
    # Universal newlines, as ibm-cloud-sdk-core's `for line in file` sees an ibm-credentials.env.
    lines = [line.strip() for line in io.StringIO(text, newline=None)]
    first = next((line for line in lines if line and not line.startswith("#")), None)
    if first is None:
        raise errors.UsageError("the credentials file is empty")
    if first.startswith(("{", "[")):
        return _from_document(_parse_json(text), "json")
    if _EXPORT.match(first):
        return _from_variables(_parse_exports(text), "env")
    if _ASSIGNMENT.match(first):
        return _from_variables(_parse_dotenv(lines), "dotenv")
    return _from_document(_parse_yaml(text), "yaml")


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


def _parse_dotenv(lines: list[str]) -> dict[str, str]:
    # The rule of ibm-cloud-sdk-core's read_from_credential_file: strip the line, split on the
    # first '=', no quotes, no escapes.
    found: dict[str, str] = {}
    for line in lines:
        name, sep, value = line.partition("=")
        if sep:
            found[name] = value
    return found


def _parse_exports(text: str) -> dict[str, str]:
    import shlex

    # shlex undoes POSIX quoting exactly as sh does for the quoted forms we write, including a
    # single-quoted value that spans lines.
    try:
        words = shlex.split(text, comments=True)
    except ValueError:
        raise errors.UsageError("cannot read the credentials file: a quote is not closed") from None
    found: dict[str, str] = {}
    for word in words:
        name, sep, value = word.partition("=")
        if sep and _ASSIGNMENT.match(word):
            found[name] = value
    return found


def _from_variables(found: Mapping[str, str], fmt: str) -> Credentials:
    values: dict[str, str | None] = {}
    for field, names in _VARIABLE_FIELDS.items():
        values[field] = next((found[name] for name in names if found.get(name)), None)
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
        return str(value)
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
    return Credentials(apikey=apikey, instance_guid=guid, **rest)
