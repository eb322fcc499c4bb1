"""Test-side emulators of how shells and runtimes read back what `shellquote` prints.

These are independent parsers written from the documented rules (Go's command-line splitting,
cmd.exe's two parsing phases, PowerShell's native-argument passing), not from `shellquote`'s code,
so a round trip through them checks the quoting rather than repeating it.
They live in tests/ on purpose: none of this is fit to *run* commands, only to check them.

* Windows command line -> argv: a port of Go's `commandLineToArgv` (`ibmcloud` is a Go program).
* cmd.exe: phase 1 (percent expansion, prompt or batch flavour) and phase 2 (carets, quote
  toggling, metacharacters), then the Go parser; plus the `set "NAME=value"` command.
* PowerShell: a tokenizer for the argument-mode subset `shellquote` emits (verbatim strings with
  the five single-quote characters, plain barewords), then .NET `PasteArguments` (pwsh 7.3+) or the
  legacy `NeedQuotes` joiner (Windows PowerShell 5.1), then the Go parser.
* POSIX: a real `sh` (and `bash`) printing its arguments NUL-separated, many cases per process.
* Credential files: fish and PowerShell assignment readers, and a copy of ibm-cloud-sdk-core's
  `ibm-credentials.env` reader.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path


class EmulatorError(Exception):
    """The emulated shell would not run the line as intended (syntax error, operator, stop-parsing)."""


# -- Go: os/exec_windows.go -----------------------------------------------------------------------------
# Ported from Go's src/os/exec_windows.go (`commandLineToArgv`, `readNextArg`, `appendBSBytes`).
# Copyright 2009 The Go Authors. All rights reserved.
# Use of this source code is governed by a BSD-style license that can be found in Go's LICENSE file
# (BSD-3-Clause: redistribution with this notice; no endorsement by the Go authors).
# Go walks UTF-8 bytes; every byte it tests is ASCII, so walking Python characters is equivalent.


def _read_next_arg(cmd: str) -> tuple[str, str]:
    b: list[str] = []
    inquote = False
    nslash = 0
    i = 0
    while i < len(cmd):
        c = cmd[i]
        if c in " \t":
            if not inquote:
                return "".join(b) + "\\" * nslash, cmd[i + 1 :]
        elif c == '"':
            b.append("\\" * (nslash // 2))
            if nslash % 2 == 0:
                # Go's "Prior to 2008" rule: inside quotes, "" is a literal quote and ends the run.
                if inquote and i + 1 < len(cmd) and cmd[i + 1] == '"':
                    b.append(c)
                    i += 1
                inquote = not inquote
            else:
                b.append(c)
            nslash = 0
            i += 1
            continue
        elif c == "\\":
            nslash += 1
            i += 1
            continue
        b.append("\\" * nslash)
        nslash = 0
        b.append(c)
        i += 1
    return "".join(b) + "\\" * nslash, ""


def go_command_line_to_argv(cmd: str) -> list[str]:
    args: list[str] = []
    while cmd:
        if cmd[0] in " \t":
            cmd = cmd[1:]
            continue
        arg, cmd = _read_next_arg(cmd)
        args.append(arg)
    return args


# -- cmd.exe ------------------------------------------------------------------------------------------
# Phases after jeb/dbenham's model (SO "How does the Windows Command Interpreter (CMD.EXE) parse
# scripts?"), delayed expansion off.

CMD_OPERATORS = frozenset("&|<>()")


def cmd_phase1_prompt(line: str, env: Mapping[str, str]) -> str:
    """Percent expansion at the interactive prompt: %VAR% of a defined VAR expands, otherwise the
    text stays as typed (there is no %% escape). After an undefined %VAR% the scan goes on from the
    second `%`: the stricter of the readings, as it gives a following name a chance to expand."""
    out: list[str] = []
    i = 0
    while i < len(line):
        if line[i] != "%":
            out.append(line[i])
            i += 1
            continue
        end = line.find("%", i + 1)
        if end == -1:
            out.append(line[i:])
            break
        name = line[i + 1 : end]
        value = _lookup(env, name)
        if name and value is not None:
            out.append(value)
            i = end + 1
        else:
            out.append(line[i:end])
            i = end
    return "".join(out)


def cmd_phase1_batch(line: str, env: Mapping[str, str]) -> str:
    """Percent expansion in a batch file: %% is %, %0-%9 and %* are the (empty) arguments, %VAR%
    expands (undefined: empty), a lone % is removed. %~ modifiers are an error here."""
    out: list[str] = []
    i = 0
    while i < len(line):
        c = line[i]
        if c != "%":
            out.append(c)
            i += 1
            continue
        nxt = line[i + 1 : i + 2]
        if nxt == "%":
            out.append("%")
            i += 2
        elif nxt.isdigit() or nxt == "*":
            i += 2  # a batch argument; the emulated batch file has none
        elif nxt == "~":
            raise EmulatorError("batch: %~ argument modifier")
        else:
            end = line.find("%", i + 1)
            if end == -1:
                i += 1  # a lone % is removed
            else:
                out.append(_lookup(env, line[i + 1 : end]) or "")
                i = end + 1
    return "".join(out)


def _lookup(env: Mapping[str, str], name: str) -> str | None:
    # cmd variable names are case-insensitive.
    for key, value in env.items():
        if key.upper() == name.upper():
            return value
    return None


def cmd_phase2(line: str) -> str:
    """Carets and quotes: `"` toggles quote mode; outside it `^` escapes the next character (and
    goes), and an unescaped operator means the line is not one simple command -> EmulatorError."""
    line = line.replace("\r", "")  # phase 1.5
    if "\n" in line:
        raise EmulatorError("a line feed ends the command")
    out: list[str] = []
    quoted = False
    i = 0
    while i < len(line):
        c = line[i]
        if c == '"':
            quoted = not quoted
            out.append(c)
        elif quoted:
            out.append(c)
        elif c == "^":
            if i + 1 == len(line):
                raise EmulatorError("a line-final caret continues the line")
            out.append(line[i + 1])
            i += 1
        elif c in CMD_OPERATORS:
            raise EmulatorError(f"unescaped cmd operator {c!r}")
        else:
            out.append(c)
        i += 1
    return "".join(out)


_CMD_DELIMITERS = " \t,;=\x0b\x0c\xff"


def cmd_command_token(line: str) -> str:
    """The program cmd runs: the first token, delimited by cmd's token delimiters outside quotes,
    with its quotes removed."""
    i = 0
    while i < len(line) and line[i] in _CMD_DELIMITERS:
        i += 1
    token: list[str] = []
    quoted = False
    while i < len(line):
        c = line[i]
        if c == '"':
            quoted = not quoted
        elif not quoted and c in _CMD_DELIMITERS:
            break
        else:
            token.append(c)
        i += 1
    return "".join(token)


def cmd_line_to_argv(line: str, env: Mapping[str, str], *, batch: bool) -> tuple[str, list[str]]:
    """(the program cmd starts, the argv that program's Go runtime reads) for one command line."""
    expanded = cmd_phase1_batch(line, env) if batch else cmd_phase1_prompt(line, env)
    command_line = cmd_phase2(expanded)
    return cmd_command_token(command_line), go_command_line_to_argv(command_line)


def cmd_run_set_lines(text: str, env: Mapping[str, str]) -> dict[str, str]:
    """Run a batch file made of `set "NAME=value"` lines (and `REM` comments, `@chcp 65001 >nul`);
    returns the variables it sets.

    cmd's `set "..."` drops the opening quote and everything from the last quote on, then splits at
    the first `=`. Each line's expansion sees the variables set by the lines before it.
    """
    variables = dict(env)
    for raw in text.split("\n"):
        if raw == "":
            continue
        if raw == "@chcp 65001 >nul":
            continue  # switches the console's code page; sets nothing
        expanded = cmd_phase1_batch(raw, variables)
        if re.match(r"(?i)rem(?:[ \t]|\Z)", expanded):
            # REM ends the command after phase 1; only a line-final caret still acts (it joins the
            # next line to the comment).
            if expanded.endswith("^"):
                raise EmulatorError("a line-final caret continues the REM line")
            continue
        line = cmd_phase2(expanded)
        if not line.startswith('set "'):
            raise EmulatorError('not a set "NAME=value" line')
        body = line[len('set "') :]
        last = body.rfind('"')
        if last == -1:
            raise EmulatorError("no closing quote")
        name, sep, value = body[:last].partition("=")
        if not sep or not name:
            raise EmulatorError("no NAME=")
        if value == "":
            variables.pop(name, None)  # `set NAME=` deletes the variable
        else:
            variables[name] = value
    return {k: v for k, v in variables.items() if k not in env or env[k] != v}


# -- PowerShell ---------------------------------------------------------------------------------------
# PowerShell source: CharExtensions.IsSingleQuote, NativeCommandParameterBinder.NeedQuotes;
# .NET: System.PasteArguments.AppendArgument; docs: about_Parsing, about_Quoting_Rules.

PS_SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
PS_DOUBLE_QUOTES = '"\u201c\u201d\u201e'
# .NET char.IsWhiteSpace.
DOTNET_WHITESPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
# Characters that end or change a bareword in argument mode (about_Parsing), plus the quote forms.
_PS_BAREWORD_SPECIAL = frozenset(",;(){}@#$<>|&`") | frozenset(PS_SINGLE_QUOTES) | frozenset(PS_DOUBLE_QUOTES)


def _ps_is_separator(c: str) -> bool:
    return c in DOTNET_WHITESPACE and c not in "\r\n"


def powershell_tokens(line: str) -> list[str]:
    """The strings PowerShell passes for a native command line in argument mode (program first).

    Handles `& '<program>'`, verbatim strings (each doubled quote character is one) and plain
    barewords; anything else PowerShell would interpret -> EmulatorError.
    """
    tokens: list[str] = []
    i = 0
    n = len(line)
    first = True
    while i < n:
        c = line[i]
        if _ps_is_separator(c):
            i += 1
            continue
        if c in "\r\n":
            raise EmulatorError("a newline ends the PowerShell statement")
        if first and c == "&" and i + 1 < n and _ps_is_separator(line[i + 1]):
            i += 1  # the call operator; the next token is the program
            continue
        if c in PS_SINGLE_QUOTES:
            value: list[str] = []
            i += 1
            while True:
                if i >= n:
                    raise EmulatorError("unterminated verbatim string")
                ch = line[i]
                if ch in PS_SINGLE_QUOTES:
                    if i + 1 < n and line[i + 1] in PS_SINGLE_QUOTES:
                        value.append(line[i + 1])
                        i += 2
                        continue
                    i += 1
                    break
                value.append(ch)
                i += 1
            if i < n and not _ps_is_separator(line[i]):
                raise EmulatorError("text glued to a verbatim string")
            tokens.append("".join(value))
        else:
            start = i
            while i < n and not _ps_is_separator(line[i]):
                if line[i] in _PS_BAREWORD_SPECIAL or line[i] in "\r\n":
                    raise EmulatorError(f"{line[i]!r} is special in a PowerShell bareword")
                i += 1
            word = line[start:i]
            if word == "--%":
                raise EmulatorError("--% is PowerShell's stop-parsing token")
            if word.startswith("~"):
                raise EmulatorError("a leading ~ may expand to the home folder")
            if word.startswith("-") and any(ch in word for ch in ".:"):
                raise EmulatorError("PowerShell may split a parameter-like bareword at . or :")
            if first and word.startswith("-"):
                raise EmulatorError("a command cannot start with -")
            tokens.append(word)
        first = False
    return tokens


def dotnet_paste_arguments(args: Sequence[str]) -> str:
    """.NET's PasteArguments.AppendArgument for each argument (pwsh 7.3+ Standard/Windows mode)."""
    parts: list[str] = []
    for arg in args:
        if arg and not any(c in DOTNET_WHITESPACE or c == '"' for c in arg):
            parts.append(arg)
            continue
        out = ['"']
        idx = 0
        while idx < len(arg):
            c = arg[idx]
            idx += 1
            if c == "\\":
                count = 1
                while idx < len(arg) and arg[idx] == "\\":
                    idx += 1
                    count += 1
                if idx == len(arg):
                    out.append("\\" * (count * 2))
                elif arg[idx] == '"':
                    out.append("\\" * (count * 2 + 1) + '"')
                    idx += 1
                else:
                    out.append("\\" * count)
                continue
            if c == '"':
                out.append('\\"')
                continue
            out.append(c)
        out.append('"')
        parts.append("".join(out))
    return " ".join(parts)


def powershell5_need_quotes(arg: str) -> bool:
    """NativeCommandParameterBinder.NeedQuotes: whitespace outside the argument's own quotes."""
    following_backslash = False
    quote_count = 0
    for c in arg:
        if c == '"' and not following_backslash:
            quote_count += 1
        elif c in DOTNET_WHITESPACE and quote_count % 2 == 0:
            return True
        following_backslash = c == "\\"
    return False


def powershell5_legacy_join(args: Sequence[str]) -> str:
    """Windows PowerShell 5.1: empty arguments vanish, the rest are wrapped in "..." only when
    NeedQuotes says so, with nothing escaped and no trailing backslash doubled."""
    parts = []
    for arg in args:
        if arg == "":
            continue
        parts.append(f'"{arg}"' if powershell5_need_quotes(arg) else arg)
    return " ".join(parts)


def powershell_line_to_argv(line: str, *, legacy: bool) -> tuple[str, list[str]]:
    """(program, the argv after it as its Go runtime reads it) for a line typed into PowerShell."""
    tokens = powershell_tokens(line)
    program, args = tokens[0], tokens[1:]
    joined = powershell5_legacy_join(args) if legacy else dotnet_paste_arguments(args)
    return program, go_command_line_to_argv(joined)


_PS_ASSIGNMENT = re.compile(r"\$Env:([A-Za-z_][A-Za-z0-9_]*) = (.*)\Z", re.S)


def powershell_run_assignments(text: str) -> dict[str, str]:
    """Run lines of `$Env:NAME = '<verbatim string>'` and `# comments`; returns the variables set."""
    result: dict[str, str] = {}
    for line in text.split("\n"):
        if line == "":
            continue
        if line.startswith("#"):
            # A line comment, unless it is a directive (#requires) or opens a block comment.
            if line.lower().startswith("#requires") or line.startswith("<#"):
                raise EmulatorError("not a plain comment")
            if "#>" in line:
                raise EmulatorError("closes a block comment")
            continue
        m = _PS_ASSIGNMENT.match(line)
        if not m:
            raise EmulatorError("not a $Env:NAME = '...' line")
        tokens = powershell_tokens(m.group(2))
        if len(tokens) != 1 or m.group(2)[0] not in PS_SINGLE_QUOTES:
            raise EmulatorError("the right-hand side is not one verbatim string")
        if tokens[0] == "":
            result.pop(m.group(1), None)  # .NET removes a variable set to ""
        else:
            result[m.group(1)] = tokens[0]
    return result


# -- fish ---------------------------------------------------------------------------------------------
# fish docs, "Quotes": inside single quotes the only escapes are \' and \\.


def fish_run_assignments(text: str) -> dict[str, str]:
    """Run a file of `set -gx NAME '...'` statements and `# comments`; returns the variables set."""
    result: dict[str, str] = {}
    i = 0
    n = len(text)
    while i < n:
        if text[i] == "\n":
            i += 1
            continue
        if text[i] == "#":  # a comment runs to the end of the line
            end = text.find("\n", i)
            i = n if end == -1 else end
            continue
        m = re.compile(r"set -gx ([A-Za-z_][A-Za-z0-9_]*) '").match(text, i)
        if not m:
            raise EmulatorError("not a set -gx NAME '...' statement")
        i = m.end()
        value: list[str] = []
        while True:
            if i >= n:
                raise EmulatorError("unterminated fish string")
            c = text[i]
            if c == "\\" and i + 1 < n and text[i + 1] in "\\'":
                value.append(text[i + 1])
                i += 2
            elif c == "'":
                i += 1
                break
            else:
                value.append(c)
                i += 1
        if i < n and text[i] != "\n":
            raise EmulatorError("text after the closing quote")
        result[m.group(1)] = "".join(value)
    return result


# -- ibm-cloud-sdk-core's ibm-credentials.env reader --------------------------------------------------
# A copy of IBM/python-sdk-core ibm_cloud_sdk_core/utils.py `__read_from_credential_file` and
# `_parse_key_and_update_config` (Apache-2.0, Copyright 2019 IBM), reading bytes instead of a path.


def sdk_read_credential_file(data: bytes, service_name: str, separator: str = "=") -> dict[str, str]:
    config: dict[str, str] = {}
    with io.TextIOWrapper(io.BytesIO(data), encoding="utf-8") as fobj:
        for line in fobj:
            key_val = line.strip().split(separator, 1)
            if len(key_val) == 2:
                key = key_val[0]
                value = key_val[1]
                _parse_key_and_update_config(config, service_name, key, value)
    return config


def _parse_key_and_update_config(config: dict[str, str], service_name: str, key: str, value: str) -> None:
    service_name = service_name.replace(" ", "_").replace("-", "_").upper()
    if key.startswith(service_name):
        config[key[len(service_name) + 1 :]] = value


# -- POSIX sh: the real thing -------------------------------------------------------------------------


def posix_shells() -> list[str]:
    """The distinct POSIX shells present here: sh always, bash and dash when installed (and not
    what sh already is)."""
    found: dict[str, str] = {}
    for name in ("sh", "bash", "dash"):
        path = shutil.which(name)
        if path:
            found.setdefault(str(Path(path).resolve()), name)
    return list(found.values())


def _run_shell_script(shell: str, script: str, tmp: Path) -> list[str]:
    path = tmp / f"script-{shell}.sh"
    path.write_bytes(script.encode("utf-8", "surrogateescape"))
    done = subprocess.run(
        [shell, str(path)],
        capture_output=True,
        check=False,
        timeout=60,
        # A UTF-8 locale so bash does not reject multibyte text; nothing from the caller's env.
        env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"},
    )
    if done.returncode != 0:
        raise EmulatorError(
            f"{shell} failed ({done.returncode}): {done.stderr.decode(errors='replace')[:500]}"
        )
    fields = done.stdout.split(b"\0")
    if fields[-1] != b"":
        raise EmulatorError("output does not end in NUL")
    return [f.decode("utf-8", "surrogateescape") for f in fields[:-1]]


def _split_counted(fields: list[str]) -> list[list[str]]:
    results: list[list[str]] = []
    i = 0
    while i < len(fields):
        count = int(fields[i])
        results.append(fields[i + 1 : i + 1 + count])
        i += 1 + count
    return results


POSIX_ARGV_PRINTER = "f"


def sh_lines_to_argvs(lines: Sequence[str], shell: str, tmp: Path) -> list[list[str]]:
    """Run each line (a command for the function `f`) in one `shell` process; each call's argv."""
    script = 'f() { printf \'%s\\0\' "$#" "$@"; }\n' + "\n".join(lines) + "\n"
    return _split_counted(_run_shell_script(shell, script, tmp))


def sh_source_assignments(
    texts: Sequence[str], names: Sequence[Sequence[str]], shell: str, tmp: Path
) -> list[list[str]]:
    """Evaluate each text (lines of `export NAME=...`) in `shell`, then print the named variables;
    unset ones print as a marker that no value equals."""
    parts = []
    for text, wanted in zip(texts, names, strict=True):
        parts.append(f"unset {' '.join(wanted)}" if wanted else ":")
        parts.append(text)
        shown = " ".join(f'"${{{n}-<unset>}}"' for n in wanted)
        parts.append(f"printf '%s\\0' {len(wanted)} {shown}")
    return _split_counted(_run_shell_script(shell, "\n".join(parts) + "\n", tmp))
