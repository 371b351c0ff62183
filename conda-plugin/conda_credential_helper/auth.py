"""Run conda-credential-helper once per scope and attach its headers to requests.

This module imports only the standard library and requests, never conda, so the
same logic serves the conda plugin and plain ``requests`` programs. Errors reach the
caller through an error class it chooses (``CredentialHelperAuth(error_class=...)``),
which lets the conda plugin raise ``CondaError`` subclasses.

No message, log record or exception attribute produced here contains a credential:
keys appear only as a fingerprint (``****`` plus at most the last 4 characters), and
URLs appear without userinfo, query or conda token.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Mapping
from urllib.parse import urljoin, urlsplit, urlunsplit

from requests.auth import AuthBase

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

_DEFAULT_PORTS = {"http": 80, "https": 443}
_REJECTED_STATUSES = {401: "401 Unauthorized", 403: "403 Forbidden"}
_MAX_STDERR_CHARS = 2000

# RFC 9110 token characters: what an HTTP field name may contain.
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Visible ASCII, space and tab: http.client would reject or re-encode anything else,
# and its error messages quote the whole value.
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")
_LINE_BREAK_OR_NUL = re.compile(r"[\r\n\x00]")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


class CredentialHelperError(Exception):
    """Default error raised by ``CredentialHelperAuth`` when the caller names no error class."""


class HelperFailure(Exception):
    """Failure to get headers from the helper, with a message written for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class HostKey:
    """Origin of a URL (scheme, lowercase host without trailing dot, port).

    Failures of the helper are cached per ``HostKey``, and its responses per scope. A
    scope never reaches beyond one ``HostKey``.
    """

    scheme: str
    host: str
    port: int | None

    @classmethod
    def from_url(cls, url: str) -> HostKey:
        """Build the key of ``url``, with the scheme's standard port when the URL has none."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").rstrip(".")
        try:
            port = parts.port
        except ValueError:
            port = None
        if port is None:
            port = _DEFAULT_PORTS.get(scheme)
        return cls(scheme, host, port)

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.port is None or self.port == _DEFAULT_PORTS.get(self.scheme):
            return f"{self.scheme}://{host}"
        return f"{self.scheme}://{host}:{self.port}"


def normalized_url(url: str) -> str:
    """Return ``url`` as ``scheme://host[:port]/path``, the form scopes are compared with.

    The host is normalized as in ``HostKey``; userinfo, query and fragment are dropped.
    """
    path = urlsplit(url).path or "/"
    return f"{HostKey.from_url(url)}{path}"


def scope_covers(scope: str, url: str) -> bool:
    """Tell whether a response for ``scope`` applies to the normalized ``url``.

    A scope that ends with ``/`` covers every URL that starts with it; another scope
    covers exactly that URL.
    """
    if scope.endswith("/"):
        return url.startswith(scope)
    return url == scope


@dataclass(frozen=True)
class Credential:
    """Headers the helper returned for one URL, where their key came from, and the URL
    prefix (``scope``) for which the same headers hold.

    ``headers`` is left out of ``repr`` because it contains the key.
    """

    headers: Mapping[str, str] = field(repr=False)
    source: str | None = None
    scope: str | None = None

    @property
    def fingerprint(self) -> str:
        """Masked form of the key, safe to show in messages."""
        return fingerprint(_key_of(self.headers))

    def describe_source(self) -> str:
        """Return the key's source for messages, or a placeholder when the helper sent none."""
        return self.source or "a source the helper did not name"


def fingerprint(key: str) -> str:
    """Mask ``key`` as ``****`` plus its last 4 characters, or only ``****`` for 8 or fewer."""
    if len(key) <= 8:
        return "****"
    return "****" + key[-4:]


def _key_of(headers: Mapping[str, str]) -> str:
    """Return the key inside the headers: the Authorization credentials, else the first value."""
    for name, value in headers.items():
        if name.lower() == "authorization":
            scheme, _, credentials = value.partition(" ")
            return credentials.strip() or scheme
    for value in headers.values():
        return value
    return ""


def redact_url(url: str) -> str:
    """Return ``url`` without userinfo, query or fragment, with a conda ``/t/<token>`` masked."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    path = re.sub(r"^/t/[^/]+", "/t/****", parts.path)
    return urlunsplit((parts.scheme, netloc, path, "", ""))


# Finding and running the helper


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
        completed = subprocess.run(
            [binary, "get", "--with-source"],
            input=request,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            env=_helper_environment(environ),
            check=False,
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
    detail = _error_lines(completed.stderr)
    if detail:
        return f"{BINARY_NAME} failed for {host}: {detail}"
    return (
        f"`{binary} get` {ending} for {host} without an error message. "
        f"Run `{binary} get` by hand with the same environment to see what fails."
    )


def _error_lines(stderr: str) -> str:
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
        "%s returned header(s) %s for %s (key %s from %s)",
        BINARY_NAME,
        ", ".join(credential.headers),
        host,
        credential.fingerprint,
        credential.describe_source(),
    )


# Parsing the helper's output


def parse_helper_output(stdout: str) -> Credential:
    """Parse the helper's stdout JSON into a ``Credential``.

    Raises ``HelperFailure`` with a reason that never quotes the output, which may
    contain the key.
    """
    try:
        document = json.loads(stdout)
    except json.JSONDecodeError as error:
        raise HelperFailure(
            f"the output is not valid JSON ({error.msg} at line {error.lineno} "
            f"column {error.colno})"
        ) from None
    if not isinstance(document, dict):
        raise HelperFailure("the output is not a JSON object")
    if "headers" not in document:
        raise HelperFailure('the output has no "headers" field')

    headers = validate_headers(document["headers"])
    scope = document.get("scope")
    return Credential(
        headers=headers,
        source=_clean_source(document.get("source")),
        scope=scope if isinstance(scope, str) else None,
    )


def validate_headers(raw: object) -> dict[str, str]:
    """Check the helper's ``headers`` object and return it as requests headers.

    Each name must be an HTTP token and each value a list of strings of visible ASCII
    without a line break or NUL. An empty list drops the header, and several values
    are joined with ", " as HTTP does for repeated fields. Raises ``HelperFailure``
    naming the header but never quoting a value.
    """
    if not isinstance(raw, dict):
        raise HelperFailure('"headers" is not a JSON object')

    headers: dict[str, str] = {}
    seen: set[str] = set()
    for name, values in raw.items():
        _validate_header_name(name)
        if name.lower() in seen:
            raise HelperFailure(f"header `{name}` appears more than once")
        seen.add(name.lower())

        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise HelperFailure(f"header `{name}` is not a list of strings")
        for value in values:
            _validate_header_value(name, value)
        if values:
            headers[name] = ", ".join(values)
    return headers


def _validate_header_name(name: str) -> None:
    if _LINE_BREAK_OR_NUL.search(name):
        raise HelperFailure("a header name contains a line break (CR or LF) or NUL")
    if not _HEADER_NAME.fullmatch(name):
        raise HelperFailure("a header name is not a valid HTTP field name")


def _validate_header_value(name: str, value: str) -> None:
    if _LINE_BREAK_OR_NUL.search(value):
        raise HelperFailure(f"the value of header `{name}` contains a line break (CR or LF) or NUL")
    if not _HEADER_VALUE.fullmatch(value):
        raise HelperFailure(
            f"the value of header `{name}` contains a control or non-ASCII character"
        )
    if value != value.strip():
        raise HelperFailure(f"the value of header `{name}` starts or ends with whitespace")


def _clean_source(source: object) -> str | None:
    """Return the ``source`` field fit for one line of a message, or None when missing."""
    if not isinstance(source, str) or not source.strip():
        return None
    return _CONTROL_CHARS.sub("?", source.strip())


# The per-process cache


@dataclass
class _HostEntry:
    """Responses of the helper for one host, by scope, or its failure for the host.

    ``lock`` is held while the helper runs for a URL of the host, so threads that ask for
    the same scope at once run it once.
    """

    lock: threading.Lock = field(default_factory=threading.Lock)
    responses: dict[str, Credential] = field(default_factory=dict)
    failure: str | None = None

    def find(self, url: str) -> Credential | None:
        """Return the response whose scope covers the normalized ``url``, the narrowest first."""
        covering = [scope for scope in self.responses if scope_covers(scope, url)]
        if not covering:
            return None
        return self.responses[max(covering, key=len)]


_cache: dict[HostKey, _HostEntry] = {}
_cache_lock = threading.Lock()


def credential_for(url: str) -> Credential:
    """Return the helper's credential for ``url``.

    The helper runs at most once per scope per process, whichever thread or handler
    object calls: its response serves every URL its scope covers. A failure is cached for
    the whole host: later calls raise ``HelperFailure`` with the same message without
    running the helper again.
    """
    host = HostKey.from_url(url)
    target = normalized_url(url)
    with _cache_lock:
        entry = _cache.setdefault(host, _HostEntry())

    with entry.lock:
        if entry.failure is None:
            cached = entry.find(target)
            if cached is not None:
                return cached
            try:
                credential = run_helper(url)
            except HelperFailure as failure:
                entry.failure = failure.message
            else:
                entry.responses[checked_scope(credential.scope, host, target)] = credential
                return credential

    raise HelperFailure(entry.failure)


def checked_scope(scope: str | None, host: HostKey, url: str) -> str:
    """Return the scope to cache a response for the normalized ``url`` under.

    A missing scope, from a helper older than scopes, means the whole host. A scope
    that is not on the request's host or does not cover the URL is narrowed to the URL
    itself, so a response never serves another host.
    """
    origin = f"{host}/"
    if scope is None:
        return origin
    if scope.startswith(origin) and scope_covers(scope, url):
        return scope
    log.debug("ignoring scope %s for %s: it does not cover the URL", redact_url(scope), url)
    return url


def clear_cache() -> None:
    """Forget every cached credential and failure, so the next request runs the helper again."""
    with _cache_lock:
        _cache.clear()


# The requests auth handler


class CredentialHelperAuth(AuthBase):
    """requests auth that adds the helper's headers to each request for a matching host.

    ``error_class`` is called with one message string for every error raised here.
    When a server responds with 401 or 403 to a request that carried the headers, the error
    explains the rejection. The headers are removed before a redirect to another
    origin is followed, and masked on each answered request that conda may log.
    """

    def __init__(self, error_class: type[Exception] = CredentialHelperError):
        self.error_class = error_class

    def __call__(self, request):
        try:
            credential = credential_for(request.url)
        except HelperFailure as failure:
            raise self.error_class(failure.message) from None

        if credential.headers:
            request.headers.update(credential.headers)
            request.register_hook("response", partial(self._check_response, credential))
        return request

    def _check_response(self, credential: Credential, response, *args, **kwargs):
        """Response hook: guard redirects, mask the sent key and explain 401 and 403."""
        request = response.request
        if not _carries_headers(request, credential.headers):
            return response

        if response.is_redirect:
            # A same-origin redirect keeps the headers, because requests copies this
            # request for the next hop after the hook returns.
            _drop_headers_on_cross_origin_redirect(response, credential.headers)
            return response

        _mask_sent_headers(request, credential)
        if response.status_code in _REJECTED_STATUSES:
            response.close()
            raise self.error_class(rejection_message(response.status_code, request.url, credential))
        return response


def _carries_headers(request, headers: Mapping[str, str]) -> bool:
    return all(request.headers.get(name) == value for name, value in headers.items())


def _mask_sent_headers(request, credential: Credential) -> None:
    """Replace our header values on a sent request with their fingerprints.

    conda logs ``response.request.headers`` and copies them into the
    ``response_details`` of its HTTP errors, which ``--json`` prints (seen with conda
    23.9.0 and 26.7.1). The request has been sent, so only those records change.
    """
    for name, value in credential.headers.items():
        request.headers[name] = _masked_value(name, value)


def _masked_value(name: str, value: str) -> str:
    """Return ``value`` with its key replaced by the fingerprint, keeping an auth scheme."""
    if name.lower() == "authorization" and " " in value.strip():
        scheme = value.split(" ", 1)[0]
        return f"{scheme} {fingerprint(_key_of({name: value}))}"
    return fingerprint(value)


def _drop_headers_on_cross_origin_redirect(response, headers: Mapping[str, str]) -> None:
    """Remove our headers from the request that requests copies for the next hop.

    requests runs response hooks before it copies ``response.request`` to follow a
    redirect, and it strips only ``Authorization`` when the host changes. Removing
    every header of ours here keeps any header name away from another origin.
    """
    target = urljoin(response.url, response.headers.get("location", ""))
    if HostKey.from_url(target) == HostKey.from_url(response.request.url):
        return

    log.debug(
        "dropping header(s) %s before the redirect from %s to %s",
        ", ".join(headers),
        HostKey.from_url(response.request.url),
        HostKey.from_url(target),
    )
    for name in headers:
        response.request.headers.pop(name, None)


def rejection_message(status: int, url: str, credential: Credential) -> str:
    """Word the error for a server that responded with 401 or 403 to a request with our key."""
    host = HostKey.from_url(url)
    key = f"The API key {credential.fingerprint} (from {credential.describe_source()})"
    rejected = f"{host} rejected {redact_url(url)} with HTTP {_REJECTED_STATUSES[status]}."
    if status == 401:
        return (
            f"{rejected} {key} was not accepted: it is expired, revoked or not a valid "
            f"key. Create a new API key in your Anaconda account and pass it as the "
            f"ANACONDA_AUTH_API_KEY secret."
        )
    return (
        f"{rejected} {key} is valid but has no access to this channel. Check that "
        f"the key belongs to the organisation that owns the channel and that the "
        f"organisation's subscription includes it."
    )
