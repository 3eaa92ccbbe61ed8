"""Run a real process with one of its streams on a pseudo-terminal, for what only a terminal shows."""

from __future__ import annotations

import os
import pty
import subprocess
from collections.abc import Sequence
from typing import Any


def run_on_terminal(args: Sequence[str], stream: str = "stdout", **popen: Any) -> tuple[int, str]:
    """Run ``args`` with ``stream`` ("stdout" or "stderr") on a new terminal; return (exit status, what it showed)."""
    main_fd, child_fd = pty.openpty()
    proc = subprocess.Popen(list(args), **{stream: child_fd}, **popen)
    os.close(child_fd)
    chunks = []
    while True:
        try:
            chunk = os.read(main_fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main_fd)
    return proc.wait(timeout=120), b"".join(chunks).decode()
