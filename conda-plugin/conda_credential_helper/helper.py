"""Find the conda-credential-helper binary and run ``get --with-source`` for a URL.

Every failure becomes a ``HelperFailure`` whose message names what failed and what to do.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import subprocess
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit, urlunsplit

from .credential import Credential, HelperFailure, parse_helper_output
from .urls import HostKey

log = logging.getLogger("conda_credential_helper")

BINARY_NAME = "conda-credential-helper"
"""File name of the helper binary, looked up on PATH as the last resort."""

BIN_ENV = "CONDA_CREDENTIAL_HELPER_BIN"
"""Environment variable with the path of the helper binary, which overrides every other lookup."""

TIMEOUT_ENV = "CONDA_CREDENTIAL_HELPER_TIMEOUT"
"""Environment variable with the helper's time limit in seconds."""

LOG_ENV = "CONDA_CREDENTIAL_HELPER_LOG"
"""Environment variable that sets the helper's log level."""

HELPER_PATH_FILE = "helper_path.txt"
"""File beside this module naming the binary, written by ``conda-credential-helper install``."""

DEFAULT_TIMEOUT_SECONDS = 10.0
"""Seconds one helper run may take before it is killed."""

PACKAGE_DIR = Path(__file__).resolve().parent

_MAX_STDERR_CHARS = 2000


def find_helper(environ: Mapping[str, str] = os.environ, package_dir: Path = PACKAGE_DIR) -> str:
    """Return the path of the helper binary.

    The lookup order is ``CONDA_CREDENTIAL_HELPER_BIN``, then ``helper_path.txt`` in
    ``package_dir``, then ``conda-credential-helper`` on PATH. Raises ``HelperFailure``
    when the chosen path does not exist or nothing is found.
    """
    configured = environ.get(BIN_ENV, "").strip()
    if configured:
        return _check_configured_binary(configured, environ)

    path_file = package_dir / HELPER_PATH_FILE
    recorded = _read_helper_path_file(path_file)
    if recorded is not None:
        return recorded

    found = shutil.which(BINARY_NAME, path=environ.get("PATH"))
    if found:
        return found

    raise HelperFailure(
        f"{BINARY_NAME} was not found: {BIN_ENV} is not set, `{path_file}` does not "
        f"exist and no `{BINARY_NAME}` is on PATH. Copy the binary into the image "
        f"(for example to /usr/local/bin) and run `{BINARY_NAME} install`, "
        f"or set {BIN_ENV} to its path."
    )


def _check_configured_binary(configured: str, environ: Mapping[str, str]) -> str:
    """Resolve the value of ``CONDA_CREDENTIAL_HELPER_BIN``. A bare name is looked up on PATH."""
    if os.sep not in configured and not (os.altsep and os.altsep in configured):
        found = shutil.which(configured, path=environ.get("PATH"))
        if found:
            return found
    elif os.path.isfile(configured):
        return configured

    raise HelperFailure(
        f"{BIN_ENV} is set to `{configured}`, which was not found. "
        f"Set it to the path of the {BINARY_NAME} binary, or unset it."
    )


def _read_helper_path_file(path_file: Path) -> str | None:
    """Return the binary named in ``helper_path.txt``, or None when the file does not exist."""
    try:
        text = path_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise HelperFailure(
            f"failed to read `{path_file}`: {error}. "
            f"Run `{BINARY_NAME} install` again, or set {BIN_ENV}."
        ) from None

    lines = text.splitlines()
    recorded = lines[0].strip() if lines else ""
    if not recorded:
        raise HelperFailure(
            f"`{path_file}` is empty. Run `{BINARY_NAME} install` again, or set {BIN_ENV}."
        )
    if not os.path.isfile(recorded):
        raise HelperFailure(
            f"`{path_file}` names `{recorded}`, which does not exist. "
            f"Run `{BINARY_NAME} install` again from the binary's new location, "
            f"or set {BIN_ENV} to its path."
        )
    return recorded


def helper_timeout(environ: Mapping[str, str] = os.environ) -> float:
    """Return the helper's time limit in seconds: ``CONDA_CREDENTIAL_HELPER_TIMEOUT`` or 10."""
    raw = environ.get(TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_TIMEOUT_SECONDS

    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise HelperFailure(
            f"{TIMEOUT_ENV} is set to `{raw}`, which is not a positive number of seconds. "
            f"Set it to a number such as 10, or unset it to use "
            f"{DEFAULT_TIMEOUT_SECONDS:g} seconds."
        )
    return seconds


def run_helper(url: str, environ: Mapping[str, str] = os.environ) -> Credential:
    """Run ``<helper> get --with-source`` for ``url`` and return its validated output.

    The request goes on stdin as ``{"uri": ...}`` (never on argv), without userinfo,
    query or fragment. The helper inherits the environment and working directory.
    Raises ``HelperFailure`` for every way the helper can fail.
    """
    host = HostKey.from_url(url)
    binary = find_helper(environ)
    timeout = helper_timeout(environ)
    request = json.dumps({"uri": _request_uri(url)})
    log.debug("running `%s get --with-source` for %s", binary, host)

    try:
        completed = run_binary(
            [binary, "get", "--with-source"],
            timeout,
            _helper_environment(environ),
            stdin=request,
        )
    except subprocess.TimeoutExpired:
        raise HelperFailure(
            f"`{binary} get` timed out after {timeout:g} seconds for {host} and was "
            f"stopped. Check that `{binary}` is {BINARY_NAME}, or set {TIMEOUT_ENV} to "
            f"allow more seconds."
        ) from None
    except OSError as error:
        raise HelperFailure(_describe_start_failure(binary, error)) from None

    if completed.returncode != 0:
        log.debug("%s stderr: %s", BINARY_NAME, completed.stderr.rstrip())
        raise HelperFailure(_describe_exit_failure(binary, host, completed))

    _log_helper_stderr(completed.stderr)
    try:
        credential = parse_helper_output(completed.stdout)
    except HelperFailure as failure:
        raise HelperFailure(
            f"`{binary} get` returned invalid output for {host}: {failure.message}. "
            f"Check that `{binary}` is {BINARY_NAME} 0.1.0 or later."
        ) from None

    _log_credential(host, credential)
    return credential


def run_binary(
    command: list[str], timeout: float, env: Mapping[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess:
    """Run ``command`` with ``stdin`` as its input, and return its decoded stdout and stderr.

    Undecodable bytes become U+FFFD. Raises ``subprocess.TimeoutExpired`` after
    ``timeout`` seconds and ``OSError`` when the binary cannot be started.
    """
    return subprocess.run(
        command,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=timeout,
        env=env,
        check=False,
    )


def _request_uri(url: str) -> str:
    """Return ``url`` without userinfo, query and fragment, which the helper does not need."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _helper_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """Copy ``environ`` for the helper, asking it for debug logs when ours are enabled."""
    env = dict(environ)
    if LOG_ENV not in env and log.isEnabledFor(logging.DEBUG):
        env[LOG_ENV] = "debug"
    return env


def _describe_start_failure(binary: str, error: OSError) -> str:
    """Word the error for a helper that could not be started."""
    if isinstance(error, PermissionError):
        return (
            f"failed to run `{binary}`: permission denied. Make it executable "
            f"(`chmod +x {binary}`), or set {BIN_ENV} to the {BINARY_NAME} binary."
        )
    if isinstance(error, FileNotFoundError):
        return (
            f"failed to run `{binary}`: file not found. Set {BIN_ENV} to the path of "
            f"the {BINARY_NAME} binary, or run `{BINARY_NAME} install` again."
        )
    reason = error.strerror or str(error)
    return (
        f"failed to run `{binary}`: {reason}. Check that it is the {BINARY_NAME} "
        f"binary built for this machine, or set {BIN_ENV} to one that is."
    )


def _describe_exit_failure(
    binary: str, host: HostKey, completed: subprocess.CompletedProcess
) -> str:
    """Word the error for a helper that exited with a failure status."""
    code = completed.returncode
    ending = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
    detail = error_lines(completed.stderr)
    if detail:
        return f"{BINARY_NAME} failed for {host}: {detail}"
    return (
        f"`{binary} get` {ending} for {host} without an error message. "
        f"Run `{binary} get` by hand with the same environment to see what fails."
    )


def error_lines(stderr: str) -> str:
    """Return the part of the helper's stderr that explains a failure.

    That is everything from the first ``error:`` line on, without that prefix, which
    skips debug log lines, or all of stderr when no such line exists. Long output keeps its last characters.
    """
    lines = [line.rstrip() for line in stderr.strip().splitlines() if line.strip()]
    for index, line in enumerate(lines):
        if line.startswith("error:"):
            lines = [line[len("error:") :].lstrip(), *lines[index + 1 :]]
            break
    text = "\n".join(lines)
    if len(text) > _MAX_STDERR_CHARS:
        text = "..." + text[-_MAX_STDERR_CHARS:]
    return text


def _log_helper_stderr(stderr: str) -> None:
    """Pass what a successful helper wrote on stderr (warnings, or debug logs) to our log."""
    level = logging.DEBUG if log.isEnabledFor(logging.DEBUG) else logging.WARNING
    for line in stderr.splitlines():
        if line.strip():
            log.log(level, "%s: %s", BINARY_NAME, line.rstrip())


def _log_credential(host: HostKey, credential: Credential) -> None:
    """Log which headers the helper returned, by name and fingerprint only."""
    if not credential.headers:
        log.debug("%s returned no headers for %s", BINARY_NAME, host)
        return
    log.debug(
        "%s returned header(s) %s for %s (%s %s from %s)",
        BINARY_NAME,
        ", ".join(credential.headers),
        host,
        credential.describe_kind(),
        credential.fingerprint,
        credential.describe_source(),
    )
