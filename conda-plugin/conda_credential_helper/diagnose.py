"""Text for ``conda doctor`` and for conda's error hints, from the helper binary.

The health check runs ``conda-credential-helper doctor --json``, which reads the
credential sources and conda's files and never contacts a server. The error hint
names where the key comes from when a server rejects a request for Anaconda's channels.
Like ``auth``, this module imports no conda, and nothing it returns contains a key.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from typing import Iterable, Mapping
from urllib.parse import urlsplit

from . import auth

DOCTOR_TIMEOUT_SECONDS = 60.0
"""Seconds ``doctor`` may take; it starts the base environment's python once."""

REPO_HOST = "repo.anaconda.cloud"
"""The host whose rejections get a hint."""

REJECTED_STATUSES = (401, 403)

HEALTH_CHECK_NAME = "conda-credential-helper"

DIAGNOSE_COMMANDS = (
    f"Run `{auth.BINARY_NAME} doctor` to see every credential source and the conda "
    f"settings, and `{auth.BINARY_NAME} check` to test the key against the channel."
)


@dataclass(frozen=True)
class HealthLine:
    """One line of the health report: whether it is fine, and its text."""

    ok: bool
    text: str


def run_doctor(environ: Mapping[str, str] | None = None) -> dict:
    """Run ``<helper> doctor --json`` and return its report.

    The report comes with exit status 0 or 1 alike. Raises ``auth.HelperFailure`` when the
    binary cannot be found or run, or prints something other than a report.
    """
    environ = dict(os.environ if environ is None else environ)
    binary = auth.find_helper(environ)
    try:
        completed = subprocess.run(
            [binary, "doctor", "--json"],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=DOCTOR_TIMEOUT_SECONDS,
            env=environ,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise auth.HelperFailure(
            f"`{binary} doctor` did not finish within {DOCTOR_TIMEOUT_SECONDS:g} seconds. "
            f"Run it by hand to see where it stops."
        ) from None
    except OSError as error:
        raise auth.HelperFailure(
            f"failed to run `{binary}`: {error.strerror or error}. "
            f"Set {auth.BIN_ENV} to the {auth.BINARY_NAME} binary."
        ) from None

    try:
        report = json.loads(completed.stdout)
    except json.JSONDecodeError:
        report = None
    if completed.returncode not in (0, 1) or not isinstance(report, dict):
        detail = auth._error_lines(completed.stderr) or f"exit code {completed.returncode}"
        raise auth.HelperFailure(
            f"`{binary} doctor --json` printed no report ({detail}). "
            f"Check that `{binary}` is {auth.BINARY_NAME} 0.1.0 or later."
        )
    return report


def health_lines(report: Mapping, channels: Iterable[str], verbose: bool = False) -> list[HealthLine]:
    """Turn a ``doctor`` report into the lines ``conda doctor`` prints.

    ``channels`` are the ``channel_settings`` patterns that name our auth handler in
    conda's merged configuration.
    """
    lines: list[HealthLine] = []
    channels = list(channels)
    if channels:
        lines.append(HealthLine(True, f"channels sent to {auth.BINARY_NAME}: {', '.join(channels)}"))

    credential = report.get("credential")
    if isinstance(credential, Mapping):
        expiry = f", expires {credential['expires_at']}" if credential.get("expires_at") else ""
        lines.append(
            HealthLine(
                True,
                f"credential available: {credential.get('kind', 'key')} "
                f"{credential.get('fingerprint', '****')} from {credential.get('source')}{expiry}",
            )
        )
    for problem in report.get("problems", []):
        lines.append(HealthLine(False, str(problem.get("message", problem))))
    if verbose:
        for warning in report.get("warnings", []):
            lines.append(HealthLine(False, f"warning: {warning.get('message', warning)}"))
    return lines


def error_hint(status: object, url: object) -> str | None:
    """Return the hint for conda's HTTP error, or None when it is not ours to explain.

    Only a 401 or 403 from repo.anaconda.cloud gets one. The plugin raises its own error
    when a request that carried the helper's key is rejected, so conda's error means the
    request went without it. The hint states that and names the source the helper would use.
    """
    try:
        code = int(str(status))
    except ValueError:
        return None
    if code not in REJECTED_STATUSES or not isinstance(url, str):
        return None
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host != REPO_HOST:
        return None

    try:
        credential = auth.credential_for(url)
    except auth.HelperFailure as failure:
        source = f"{auth.BINARY_NAME} has no usable key either: {failure.message}"
    else:
        source = (
            f"{auth.BINARY_NAME} would send the API key {credential.fingerprint} "
            f"from {credential.describe_source()}."
        )
    return (
        f"conda sent this request to {host} without the key from {auth.BINARY_NAME}, so "
        f"another auth handler or none applies to it. {source} {DIAGNOSE_COMMANDS}"
    )
