"""A headless Chromium for page tests: the system's (Debian's ``chromium``), installed on first use.

Playwright drives it (``playwright`` from PyPI, without its own browser download, which this
project's machines cannot fetch). On a machine without Chromium the first page test installs it
with ``apt-get install -y chromium`` when it runs as root; elsewhere the tests skip and say how
to install it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Flags this closed network needs (no background fetches) and that root needs (no sandbox).
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def chromium_path() -> str:
    """The path of a Chromium binary, installing Debian's package if needed and possible; else skip."""
    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit and Path(explicit).exists():
        return explicit
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    if shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        result = subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], capture_output=True, text=True, timeout=900,
                                check=False, env=env)
        if result.returncode != 0:  # stale package lists on a fresh machine: refresh them once
            subprocess.run(["apt-get", "update", "-q"], capture_output=True, timeout=600, check=False, env=env)
            result = subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], capture_output=True, text=True,
                                    timeout=900, check=False, env=env)
        found = shutil.which("chromium")
        if found:
            return found
        pytest.skip(f"Chromium is missing and 'apt-get install -y chromium' failed: {result.stderr[-500:]}")
    pytest.skip("Chromium is missing: install it (Debian: apt-get install chromium) or set CHROMIUM_PATH")
