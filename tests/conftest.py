"""Shared test set-up: Prefect isolated from the user's home, analytics off."""

from __future__ import annotations

import os
import tempfile

# Set before Prefect is imported anywhere: an isolated home and no telemetry.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="kam-prefect-home-"))
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
