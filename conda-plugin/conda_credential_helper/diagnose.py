"""Text for ``conda doctor`` and for conda's error hints, from the helper binary.

The health check runs ``conda-credential-helper doctor --json``, which reads the
credential sources and conda's files and never contacts a server. The error hint
names where the credential comes from when a server rejects a request for Anaconda's
channels. Like ``auth``, this module imports no conda, and nothing it returns contains a
key.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from typing import Iterable, Mapping
from urllib.parse import urlsplit

from . import cache, helper
from .credential import HelperFailure
from .messages import REJECTED_STATUSES

DOCTOR_TIMEOUT_SECONDS = 60.0
"""Seconds ``doctor`` may take; it starts the base environment's python once."""

REPO_HOST = "repo.anaconda.cloud"
"""The host whose rejections get a hint."""

HEALTH_CHECK_NAME = "conda-credential-helper"

DIAGNOSE_COMMANDS = (
    f"Run `{helper.BINARY_NAME} doctor` to see every credential source and the conda "
    f"settings, and `{helper.BINARY_NAME} check` to test the credential against the channel."
)


@dataclass(frozen=True)
class HealthLine:
    """One line of the health report: whether it is fine, and its text."""

    ok: bool
    text: str


def run_doctor(environ: Mapping[str, str] | None = None) -> dict:
    """Run ``<helper> doctor --json`` and return its report.

    The report comes with exit status 0 or 1 alike. Raises ``HelperFailure`` when the
    binary cannot be found or run, or prints something other than a report.
    """
    environ = dict(os.environ if environ is None else environ)
    binary = helper.find_helper(environ)
    try:
        completed = helper.run_binary([binary, "doctor", "--json"], DOCTOR_TIMEOUT_SECONDS, environ)
    except subprocess.TimeoutExpired:
        raise HelperFailure(
            f"`{binary} doctor` did not finish within {DOCTOR_TIMEOUT_SECONDS:g} seconds. "
            f"Run it by hand to see where it stops."
        ) from None
    except OSError as error:
        raise HelperFailure(
            f"failed to run `{binary}`: {error.strerror or error}. "
            f"Set {helper.BIN_ENV} to the {helper.BINARY_NAME} binary."
        ) from None

    try:
        report = json.loads(completed.stdout)
    except json.JSONDecodeError:
        report = None
    if completed.returncode not in (0, 1) or not isinstance(report, dict):
        detail = helper.error_lines(completed.stderr) or f"exit code {completed.returncode}"
        raise HelperFailure(
            f"`{binary} doctor --json` printed no report ({detail}). "
            f"Check that `{binary}` is {helper.BINARY_NAME} 0.1.0 or later."
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
        lines.append(HealthLine(True, f"channels sent to {helper.BINARY_NAME}: {', '.join(channels)}"))

    credential = report.get("credential")
    if isinstance(credential, Mapping):
        expiry = f", expires {credential['expires_at']}" if credential.get("expires_at") else ""
        lines.append(
            HealthLine(
                True,
                f"credential available: {credential.get('kind', 'credential')} "
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
    when a request that carried the helper's credential is rejected, so conda's error means
    the request went without it. The hint states that and names the credential the helper
    would use and its source.
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
        credential = cache.credential_for(url)
    except HelperFailure as failure:
        source = f"{helper.BINARY_NAME} has no usable credential either: {failure.message}"
    else:
        source = (
            f"{helper.BINARY_NAME} would send the {credential.describe_kind()} "
            f"{credential.fingerprint} from {credential.describe_source()}."
        )
    return (
        f"conda sent this request to {host} without the credential from {helper.BINARY_NAME}, so "
        f"another auth handler or none applies to it. {source} {DIAGNOSE_COMMANDS}"
    )
