"""Pure quoting: argv elements and credential assignments for POSIX sh, cmd.exe, PowerShell and friends.

Two jobs, both text in, text out (no I/O, no processes):

* show a command a user can copy and paste (``--dry-run``): `quote_arg` / `render_command` for
  ``posix`` (sh, bash, zsh), ``cmd`` (the cmd.exe prompt), ``bat`` (a .bat/.cmd file), ``powershell``
  (pwsh 7.3+, which passes arguments to native programs correctly) and ``powershell5`` (Windows
  PowerShell 5.1, whose legacy passing drops empty strings and does not escape ``"``);
* write credential variables a shell or SDK reads back exactly: `render_assignments`.

The rules are those the Go runtime (`ibmcloud` is a Go program), cmd.exe and PowerShell apply; the
expected renderings are tests/golden_quoting.yaml, checked by round trips through real shells and the
emulators in tests/shell_emulators.py. Anything a target cannot carry exactly is refused with
`errors.Unrepresentable`; the message names the target and the kind of character, never the value,
which may be a secret. Cmd renderings assume delayed expansion is off (cmd's default).
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from collections.abc import Sequence
from typing import Literal

from .choices import SHELLS as SHELLS  # the one list, re-exported for the quoting API
from .choices import Shell as Shell
from .errors import Unrepresentable

Dialect = Literal["env", "powershell", "cmd", "fish", "dotenv"]
DIALECTS: tuple[Dialect, ...] = ("env", "powershell", "cmd", "fish", "dotenv")

_SHELL_TITLES: dict[str, str] = {
    "posix": "POSIX sh",
    "cmd": "the cmd.exe prompt",
    "bat": "a .bat/.cmd file",
    "powershell": "PowerShell 7.3+",
    "powershell5": "Windows PowerShell 5.1",
}
_DIALECT_TITLES: dict[str, str] = {
    "env": "the env (POSIX sh) format",
    "powershell": "the PowerShell format",
    "cmd": "the cmd format",
    "fish": "the fish format",
    "dotenv": "the dotenv (ibm-credentials.env) format",
}

# PowerShell treats all five as a single quote (CharExtensions.IsSingleQuote); each must be doubled.
_PS_SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
_PS_QUOTE_RE = re.compile(f"([{_PS_SINGLE_QUOTES}])")
_SAFE_BAREWORD = re.compile(r"(?:[A-Za-z_][A-Za-z0-9_./:=+\\-]*|--?[A-Za-z][A-Za-z0-9-]*)\Z")
# A program shown without quotes: a plain command name. Stricter than an argument bareword because
# PowerShell resolves `env:x` or `function:x` as a command through its providers.
_PLAIN_PROGRAM = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

_BACKSLASHES_BEFORE_QUOTE = re.compile(r'(\\*)"')
_TRAILING_BACKSLASHES = re.compile(r"(\\+)\Z")

_CMD_META = frozenset('^&|<>()"%!')
_CMD_FORCE_QUOTES = frozenset(" \t,;=") | _CMD_META
# .NET char.IsWhiteSpace: what Windows PowerShell's NeedQuotes tests. Spelled out rather than taken
# from str.isspace, which also counts U+001C..U+001F.
_DOTNET_WHITESPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)

_CLASS_NAMES: dict[str, str] = {
    "\x00": "a NUL character",
    "\r": "a carriage return (CR)",
    "\n": "a line feed (LF)",
    "\x1a": "a Ctrl-Z character (0x1A)",
}


def _first_bad(value: str, forbidden: str) -> str | None:
    """The description of the first character class of `forbidden` found in `value`, if any."""
    for ch in forbidden:
        if ch in value:
            return _CLASS_NAMES[ch]
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        return "a lone surrogate (not valid Unicode text)"
    return None


def _refuse_chars(value: str, forbidden: str, where: str, what: str) -> None:
    bad = _first_bad(value, forbidden)
    if bad is not None:
        raise Unrepresentable(
            f"{what} contains {bad}, which {where} cannot carry",
            hint="refused rather than written wrong; check the value for stray control characters",
        )


def _double_backslashes_before_quotes(arg: str) -> str:
    # n backslashes then `"` -> 2n+1 backslashes then `"`: every C runtime and Go read that back as
    # n backslashes and a literal quote. `""` inside quotes is never emitted (parsers disagree on it).
    return _BACKSLASHES_BEFORE_QUOTE.sub(lambda m: m.group(1) * 2 + '\\"', arg)


def msvcrt_quote(arg: str, force: bool = False) -> str:
    """One argv element as a token that UCRT, msvcrt.dll, CommandLineToArgvW and Go split back alike.

    Without `force` this is exactly what `subprocess.list2cmdline` emits for the element.
    """
    _refuse_chars(arg, "\x00", "a Windows command line", "the argument")
    body = _double_backslashes_before_quotes(arg)
    if not force and arg and " " not in arg and "\t" not in arg:
        return body
    return '"' + _TRAILING_BACKSLASHES.sub(lambda m: m.group(1) * 2, body) + '"'


def quote_posix(arg: str) -> str:
    """`shlex.quote`: for sh, bash, dash, ksh and zsh (not fish, where backslashes escape in '...')."""
    _refuse_chars(arg, "\x00", _SHELL_TITLES["posix"], "the argument")
    return shlex.quote(arg)


def quote_cmd(arg: str, batch: bool = False) -> str:
    """An argument for the cmd.exe prompt (`batch=False`) or a .bat/.cmd file, delayed expansion off.

    Values without `%`, `!` or `"` are double-quoted when they need it (metacharacters are literal
    inside quotes); the others are written so cmd never enters quote mode: every metacharacter,
    including the quotes added for the C runtime, gets a caret, and `%` becomes `^%` at the prompt
    (phase 1 then looks up a variable named `X^`, which does not exist) or `%%` in a batch file.
    """
    where = _SHELL_TITLES["bat" if batch else "cmd"]
    _refuse_chars(arg, "\x00\r\n\x1a", where, "the argument")
    if not any(ch in arg for ch in '%!"'):
        return msvcrt_quote(arg, force=not arg or any(ch in _CMD_FORCE_QUOTES for ch in arg))
    out: list[str] = []
    for ch in msvcrt_quote(arg):
        if ch == "%":
            out.append("%%" if batch else "^%")
        elif ch in _CMD_META:
            out.append("^" + ch)
        else:
            out.append(ch)
    return "".join(out)


def powershell_literal(value: str) -> str:
    """A PowerShell verbatim string: `'...'` with each of the five single-quote characters doubled."""
    return "'" + _PS_QUOTE_RE.sub(r"\1\1", value) + "'"


def quote_powershell(arg: str) -> str:
    """An argument for pwsh 7.3+ (native arguments passed with .NET's own, correct, escaping)."""
    _refuse_chars(arg, "\x00", _SHELL_TITLES["powershell"], "the argument")
    return arg if _SAFE_BAREWORD.match(arg) else powershell_literal(arg)


def quote_powershell5(arg: str) -> str:
    """An argument for Windows PowerShell 5.1, which joins native arguments itself ("legacy" passing).

    5.1 wraps an argument in `"..."` only when it has whitespace outside quotes, never escapes an
    embedded `"`, drops an empty argument and does not double a trailing backslash before its
    closing quote. So the value is pre-escaped for the C runtime, and the empty string is `'""'`.
    """
    _refuse_chars(arg, "\x00", _SHELL_TITLES["powershell5"], "the argument")
    if arg == "":
        return "'\"\"'"
    if _SAFE_BAREWORD.match(arg):
        return arg
    escaped = _double_backslashes_before_quotes(arg)
    if any(ch in _DOTNET_WHITESPACE for ch in arg):
        escaped = _TRAILING_BACKSLASHES.sub(lambda m: m.group(1) * 2, escaped)
    return powershell_literal(escaped)


def quote_arg(arg: str, shell: Shell) -> str:
    """One argv element quoted for `shell`."""
    if shell == "posix":
        return quote_posix(arg)
    if shell == "cmd":
        return quote_cmd(arg)
    if shell == "bat":
        return quote_cmd(arg, batch=True)
    if shell == "powershell":
        return quote_powershell(arg)
    if shell == "powershell5":
        return quote_powershell5(arg)
    raise ValueError(f"unknown shell {shell!r}; expected one of {', '.join(SHELLS)}")


def _render_program(program: str, shell: Shell) -> str:
    where = _SHELL_TITLES.get(shell, shell)
    _refuse_chars(program, "\x00\r\n\x1a", where, "the program path")
    if shell == "posix":
        return shlex.quote(program)
    if shell in ("powershell", "powershell5"):
        # A quoted string alone is an expression in PowerShell; `&` makes it a command.
        return program if _PLAIN_PROGRAM.match(program) else "& " + powershell_literal(program)
    if shell in ("cmd", "bat"):
        if any(ch in program for ch in '%!"'):
            # cmd finds the program by its own reading of quotes, which a caret-escaped `"` may not
            # survive; Windows paths cannot hold `"` and rarely `%` or `!`, so refuse.
            raise Unrepresentable(
                f"the program path contains %, ! or a double quote, which {where} cannot show safely",
                hint="put ibmcloud on PATH or in a folder whose name has none of these characters",
            )
        return msvcrt_quote(program, force=not _PLAIN_PROGRAM.match(program))
    raise ValueError(f"unknown shell {shell!r}; expected one of {', '.join(SHELLS)}")


def render_command(argv: Sequence[str], shell: Shell, *, program: str = "ibmcloud") -> str:
    """`program` and `argv` (which excludes the program) as one line to paste into `shell`."""
    parts = [_render_program(program, shell)]
    for index, arg in enumerate(argv, start=1):
        try:
            parts.append(quote_arg(arg, shell))
        except Unrepresentable as exc:
            raise Unrepresentable(
                exc.message.replace("the argument", f"argument {index} of the command", 1), hint=exc.hint
            ) from None
    return " ".join(parts)


def comment(text: str, shell: Shell) -> str:
    """A comment line: `# text` for sh and PowerShell, `REM text` for cmd and batch files."""
    where = _SHELL_TITLES.get(shell, shell)
    _refuse_chars(text, "\x00\r\n\x1a", where, "the comment")
    if shell in ("posix", "powershell", "powershell5"):
        return f"# {text}" if text else "#"
    if shell in ("cmd", "bat"):
        if text.endswith("^"):
            raise Unrepresentable(f"the comment ends with ^, which continues the line in {where}")
        # Percent expansion runs before cmd sees REM, so a batch file needs %% for a literal %.
        shown = text.replace("%", "%%") if shell == "bat" else text
        return f"REM {shown}" if shown else "REM"
    raise ValueError(f"unknown shell {shell!r}; expected one of {', '.join(SHELLS)}")


_SHELLINGHAM_NAMES: dict[str, Shell] = {
    "pwsh": "powershell",
    "powershell": "powershell5",
    "cmd": "cmd",
    "sh": "posix",
    "bash": "posix",
    "zsh": "posix",
    "dash": "posix",
    "ksh": "posix",
    "fish": "posix",
}


def detect_shell(platform: str | None = None) -> Shell:
    """The shell the user is typing in, for the default of `--shell`; never raises.

    The parent shell as shellingham (a Typer dependency) names it; otherwise `cmd` on Windows and
    `posix` elsewhere. `platform` (a `sys.platform` value) only chooses that fallback.
    """
    found = _SHELLINGHAM_NAMES.get(parent_shell_name(platform) or "")
    if found is not None:
        return found
    return "cmd" if (platform or sys.platform) == "win32" else "posix"


def parent_shell_name(platform: str | None = None) -> str | None:
    """The name of the shell the user is typing in (``bash``, ``pwsh``, ``cmd``: lower case, no
    ``.exe``), as shellingham finds it; None when it cannot tell (detection is a nicety). On Linux,
    unless `platform` is given, /proc is read directly (`_proc_shell`)."""
    try:
        name = _proc_shell() if sys.platform.startswith("linux") and platform is None else None
        if name is None:
            import shellingham

            name, _path = shellingham.detect_shell()
        return str(name).lower().removesuffix(".exe")
    except Exception:  # any failure means "cannot tell"
        return None


def _proc_shell() -> str | None:
    """shellingham's answer on Linux, read the way its /proc reader reads it but without importing
    its `ps` fallback (which imports subprocess and compiles a regex: about 15 ms of every `env`).
    None when this cannot answer exactly as shellingham would (no /proc, an emulator such as QEMU or
    Rosetta in the chain): the caller then asks shellingham itself. Raises when shellingham would
    fail (a process gone mid-walk, no shell among the first 10 ancestors)."""
    from shellingham._core import SHELL_NAMES, ShellDetectionFailure  # type: ignore[import-untyped]

    pid = str(os.getpid())
    if not os.path.exists(f"/proc/{pid}/stat"):
        return None
    encoding = sys.getfilesystemencoding() or "utf-8"
    for _ in range(10):
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            # Fields after the command, which is in parentheses and may hold spaces: state, ppid, ...
            ppid = f.read().rpartition(")")[2].split()[1]
        with open(f"/proc/{pid}/cmdline", encoding=encoding, errors="replace") as f:
            args = f.read().split("\0")[:-1]
        if not args:  # shellingham fails on an empty command line (a zombie): so does this
            raise ShellDetectionFailure()
        cmd = args[0]
        if cmd.startswith("-"):  # a login shell: shellingham takes $SHELL, else the name itself
            return os.path.basename(os.environ.get("SHELL", "") or cmd[1:]).lower()
        name = os.path.basename(cmd).lower()
        if name == "rosetta" or name.startswith("qemu-"):
            return None
        if name in SHELL_NAMES:
            return name
        if re.fullmatch(r"python(\d+(\.\d+)?)?", name) and any(
            os.path.basename(arg).lower() == "xonsh" and os.path.isfile(arg) for arg in args[1:]
        ):
            return "xonsh"
        if ppid == "0":
            break
        pid = ppid
    raise ShellDetectionFailure()


# -- credential assignments ----------------------------------------------------------------------------


def _refuse(dialect: Dialect, name: str, problem: str, hint: str | None = None) -> Unrepresentable:
    return Unrepresentable(
        f"the value of {name} {problem}, which {_DIALECT_TITLES[dialect]} cannot carry exactly",
        hint=hint or "refused rather than written wrong; choose another format, e.g. yaml or json",
    )


def _assign_env(name: str, value: str) -> str:
    _check_value("env", name, value, "\x00")
    return f"export {name}={shlex.quote(value)}"


def _assign_powershell(name: str, value: str) -> str:
    # A literal could hold a newline, but a .ps1 file's line endings get rewritten by editors and git.
    _check_value("powershell", name, value, "\x00\r\n")
    if value == "":
        # `$Env:X = ''` removes X (.NET deletes a variable set to the empty string).
        raise _refuse("powershell", name, "is empty (setting it would remove the variable)")
    return f"$Env:{name} = {powershell_literal(value)}"


def _assign_cmd(name: str, value: str) -> str:
    """`set "NAME=value"`: cmd's set drops the first quote and everything from the last quote on.

    Percent expansion (phase 1) comes first, so every `%` is doubled. Then each `"` in the value
    toggles cmd's quote mode; a metacharacter met while it is off gets a caret. The closing quote we
    add is the last one on the line, so the value keeps its own quotes and trailing spaces.
    """
    _check_value("cmd", name, value, "\x00\r\n\x1a")
    if value == "":
        raise _refuse("cmd", name, "is empty (`set NAME=` removes the variable)")
    out: list[str] = []
    quoted = True  # we are right after the opening quote of set "NAME=
    for ch in value:
        if ch == "%":
            out.append("%%")
        elif ch == '"':
            out.append(ch)
            quoted = not quoted
        elif not quoted and ch in "^&|<>()":
            out.append("^" + ch)
        else:
            out.append(ch)
    return f'set "{name}={"".join(out)}"'


def _assign_fish(name: str, value: str) -> str:
    _check_value("fish", name, value, "\x00")
    # Inside fish single quotes only \' and \\ are escapes. `set` stops reading options at NAME,
    # so a value starting with `-` is safe.
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"set -gx {name} '{escaped}'"


def _assign_dotenv(name: str, value: str) -> str:
    # ibm-cloud-sdk-core reads `line.strip().split("=", 1)` line by line (universal newlines): no
    # quoting, no escapes, and the line's outer whitespace is stripped. The Go core trims both ends of
    # the value too, so leading whitespace is refused as well.
    _check_value("dotenv", name, value, "\x00\r\n")
    if value != value.strip():
        raise _refuse("dotenv", name, "starts or ends with whitespace (the SDK strips it)")
    return f"{name}={value}"


_ASSIGNERS = {
    "env": _assign_env,
    "powershell": _assign_powershell,
    "cmd": _assign_cmd,
    "fish": _assign_fish,
    "dotenv": _assign_dotenv,
}


def _check_value(dialect: Dialect, name: str, value: str, forbidden: str) -> None:
    bad = _first_bad(value, forbidden)
    if bad is not None:
        raise _refuse(dialect, name, f"contains {bad}")


def render_assignments(pairs: Sequence[tuple[str, str]], dialect: Dialect) -> str:
    """Lines that set each NAME to its value exactly in `dialect`, or `Unrepresentable`.

    * env:        ``export NAME=<shlex.quote(value)>`` (POSIX sh, to `.` or `eval`)
    * powershell: ``$Env:NAME = '<literal>'`` (dot-source the .ps1)
    * cmd:        ``set "NAME=<value>"`` (a .cmd/.bat run with `call`, delayed expansion off)
    * fish:       ``set -gx NAME '<value>'`` (`source` it)
    * dotenv:     ``NAME=<value>`` (ibm-cloud-sdk-core's ibm-credentials.env)

    One line per pair, each ending in "\\n", and nothing more: no blank line at the end (an empty
    `pairs` gives ""). Names must match ``[A-Za-z_][A-Za-z0-9_]*``. Refusals name the variable and
    the kind of character, never the value.
    """
    assign = _ASSIGNERS.get(dialect)
    if assign is None:
        raise ValueError(f"unknown dialect {dialect!r}; expected one of {', '.join(DIALECTS)}")
    lines: list[str] = []
    for name, value in pairs:
        if not _NAME_RE.match(name):
            raise Unrepresentable(
                f"{name[:40]!r} is not a valid environment variable name for {_DIALECT_TITLES[dialect]}",
                hint="names are letters, digits and _, not starting with a digit",
            )
        lines.append(assign(name, value))
    return "".join(line + "\n" for line in lines)
