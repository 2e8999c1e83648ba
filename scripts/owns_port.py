"""Whether process PID (or one of its children) holds the socket listening on TCP PORT, read from /proc
(no ss or lsof needed). Usage: python scripts/owns_port.py PID PORT; exit 0 if it does, 1 if not."""
from __future__ import annotations

import os
import sys
from pathlib import Path


def listening_inodes(port: int) -> set[str]:
    """The inodes of the sockets listening on ``port`` (state 0A), IPv4 and IPv6."""
    out = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                out.add(fields[9])
    return out


def family(pid: int) -> list[int]:
    """The process and its descendants."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            todo += [int(child) for child in task.read_text().split()]
    return out


def holds(pid: int, inodes: set[str]) -> bool:
    for member in family(pid):
        for fd in Path(f"/proc/{member}/fd").glob("*"):
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                return True
    return False


if __name__ == "__main__":
    pid, port = int(sys.argv[1]), int(sys.argv[2])
    inodes = listening_inodes(port)
    sys.exit(0 if inodes and holds(pid, inodes) else 1)
