"""One timed parse in a process of its own: `parse_child.py parse|json.loads LISTING WARMUP`.

Prints `{"seconds", "peak_bytes", "count", "memory"}` as JSON. The listing is read before the clock starts
and before the memory baseline is taken, so neither counts the input itself. Peak memory is how far the
peak RSS rose during the call (Linux: the peak is reset through /proc/self/clear_refs); where that is not
possible, tracemalloc's peak, which slows the parse down, so the time is then taken in a separate call.
"""

from __future__ import annotations

import functools
import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise OSError(f"no {field} in /proc/self/status")


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # 5: reset the peak RSS to the current RSS
        _status_kb("VmHWM")
    except OSError:
        return False
    return True


def measure(fn: Callable[[], Any]) -> dict[str, Any]:
    gc.collect()
    if _reset_peak():
        before = _status_kb("VmRSS")
        start = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - start
        peak = (_status_kb("VmHWM") - before) * 1024
        method = "peak RSS"
    else:
        start = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - start
        del result
        gc.collect()
        import tracemalloc

        tracemalloc.start()
        result = fn()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        method = "tracemalloc"
    return {"seconds": seconds, "peak_bytes": max(peak, 0), "count": len(result), "memory": method}


def main() -> None:
    mode, listing, warmup = sys.argv[1:4]
    fn: Callable[[str], Any]
    if mode == "parse":
        from openscale_creds.parsers import parse

        fn = functools.partial(parse, "instances")
    elif mode == "json.loads":
        fn = json.loads
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    # First use compiles regexes and imports lazily imported modules; that is start-up, not parsing.
    fn(Path(warmup).read_text(encoding="utf-8"))
    text = Path(listing).read_text(encoding="utf-8")
    print(json.dumps(measure(lambda: fn(text))))


if __name__ == "__main__":
    main()
