"""`ibmcloud --version` -> the version number (reference §9).

Every known form, the first token being the program as invoked::

    ibmcloud 2.38.1 (4d6f1efc2-2025-11-10T22:18:45+00:00)
    ibmcloud version 1.2.3+3577aee-2020-09-25T14:55:44+00:00
    C:\\Program Files\\IBM\\Cloud\\bin\\ibmcloud.exe version 2.11.1+...

become ``"2.38.1"``, ``"1.2.3"`` and ``"2.11.1"``: the build suffix is dropped.
"""

from __future__ import annotations

import re

from ..errors import ParseError
from .common import open_output

COMMAND = "--version"

_VERSION = re.compile(
    r"(?:^|[\s\\/])(?:ibmcloud|bluemix|bx)(?:\.exe)? (?:version )?v?(\d+\.\d+\.\d+)\b", re.I
)


def parse_version(text: str) -> str:
    """The `X.Y.Z` version that `ibmcloud --version` reports."""
    lines = open_output(text, COMMAND).lines
    for line in lines:
        match = _VERSION.search(line.text)
        if match:
            return match.group(1)
    raise ParseError(COMMAND, "no `ibmcloud X.Y.Z` version", line=lines[0].text, lineno=lines[0].lineno)
