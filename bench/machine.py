"""Where and when a benchmark ran: the header line printed above every bench/ table.

The load average is part of it because this 2-core machine is often shared: a number measured at a
load of 4 is not comparable with one measured idle.
"""

import os
from datetime import datetime
from pathlib import Path


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def header(title: str) -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"## {title}\n{datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cores ({cpu_model()}), "
        f"load average {load} (1, 5, 15 min)"
    )
