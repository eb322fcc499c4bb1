"""Parser of the account menu `ibmcloud login` shows when the user can reach several accounts.

    Select an account:
    1. Ronan Bourlier's Account (b02822e1d9cb5263f3d06ffffdcd9793) <-> 1687099
    2. WATSON CMCIC (e443898b246db06ab7af7a5ef0498e89)
    Enter a number>

becomes `[AccountChoice(1, Account("Ronan Bourlier's Account", "b028...9793", "1687099")),
AccountChoice(2, Account("WATSON CMCIC", "e443...8e89", None))]`. Lines that are not numbered entries
(the header, `[...]`, the prompt, an echoed answer) are ignored; a numbered line that is not an account is
an error, as are repeated numbers and a menu without entries.
"""

from __future__ import annotations

import re

from openscale_creds.errors import ParseError
from openscale_creds.models import AccountChoice
from openscale_creds.parsers.common import normalise, parse_account

_COMMAND = "login"
_HEADER = re.compile(r"^\s*Select an account:\s*$")
_PROMPT = re.compile(r"^\s*Enter a number")
_ENTRY = re.compile(r"^\s*(\d{1,6})\.\s+(\S.*)$")


def parse_account_menu(text: str) -> list[AccountChoice]:
    lines = normalise(text).split("\n")
    start = next((i + 1 for i, line in enumerate(lines) if _HEADER.match(line)), 0)
    choices: list[AccountChoice] = []
    numbers: set[int] = set()
    for lineno, line in enumerate(lines[start:], start + 1):
        if _PROMPT.match(line):
            break
        entry = _ENTRY.match(line)
        if entry is None:
            continue
        account = parse_account(entry.group(2))
        if account is None:
            raise ParseError(_COMMAND, "menu entry is not `N. Name (GUID)`", line=line, lineno=lineno)
        number = int(entry.group(1))
        if number in numbers:
            raise ParseError(_COMMAND, f"account number {number} appears twice", line=line, lineno=lineno)
        numbers.add(number)
        choices.append(AccountChoice(number, account))
    if not choices:
        raise ParseError(_COMMAND, "the account menu lists no accounts")
    return choices
