"""Whether a process runs: alive and not a zombie.

Daemons the sandbox starts are re-parented to init, which in containers may reap them late; a
zombie has finished, so it counts as stopped.
"""

from __future__ import annotations

__all__ = ["running"]

from pathlib import Path


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"
