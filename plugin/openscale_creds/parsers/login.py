"""`ibmcloud login` transcript -> `Target` (reference §1.2, §1.5, §1.6).

The transcript ends with the same block `ibmcloud target` prints; before it come `Targeted account
X (guid) <-> n`, `Targeted resource group X` and `Targeted region X` lines. The block wins where
both say something, except that a redacted block value (`Account: xxxxx`) never replaces a readable
`Targeted account` line::

    Authenticating...
    OK
    Targeted account OpenShift-QE (xxxxxxxxxxxxxxxx) <-> xxxxxx
    Targeted region eu-gb
    API endpoint:     https://cloud.ibm.com
    Region:           eu-gb
    User:             xxxxx
    Account:          xxxxx

becomes ``Target(logged_in=True, region="eu-gb", user="xxxxx",
account=Account("OpenShift-QE", "xxxxxxxxxxxxxxxx", "xxxxxx"), ...)``. A failed login (`FAILED`,
`Not logged in.`) is not an error here: it gives ``logged_in=False`` with whatever the block said;
`common.find_failure` tells the caller why.
"""

from __future__ import annotations

from ..errors import ParseError
from ..models import Target
from .common import find_failure, numbered
from .target import read_target_lines

COMMAND = "login"


def parse_login(text: str) -> Target:
    """A login transcript -> Target; ParseError when it stops before the login succeeded or failed."""
    # Every line counts here, the `OK` after `Authenticating...` included: it is how success shows.
    lines = [line for line in numbered(text) if line.text.strip()]
    if not lines:
        raise ParseError(COMMAND, "the output is empty")
    fields = read_target_lines(lines)
    if fields.not_logged_in or find_failure(text) is not None:
        return fields.to_target(False)
    if fields.ok or fields.targeted_account or fields.identity_shown():
        return fields.to_target(True)
    # The line itself is not shown: at the end of a cut-off dialogue it may be an echoed one-time code.
    raise ParseError(
        COMMAND, "the transcript ends before the login succeeded or failed", lineno=lines[-1].lineno
    )
