"""Attach the headers of conda-credential-helper to requests, through a requests ``AuthBase``.

This module and the modules it uses import only the standard library and requests,
never conda, so the same logic serves the conda plugin and plain ``requests`` programs.
Errors reach the caller through an error class it chooses
(``CredentialHelperAuth(error_class=...)``), which lets the conda plugin raise
``CondaError`` subclasses. The names of those modules that callers use are importable
from here too.

No message, log record or exception attribute produced here contains a credential:
keys appear only as a fingerprint (``****`` plus at most the last 4 characters), and
URLs appear without userinfo, query or conda token.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Mapping
from urllib.parse import urljoin

from requests.auth import AuthBase

from .cache import checked_scope, clear_cache, credential_for
from .credential import (
    Credential,
    HelperFailure,
    fingerprint,
    key_of,
    parse_helper_output,
    validate_headers,
)
from .helper import (
    BIN_ENV,
    BINARY_NAME,
    DEFAULT_TIMEOUT_SECONDS,
    HELPER_PATH_FILE,
    LOG_ENV,
    PACKAGE_DIR,
    TIMEOUT_ENV,
    find_helper,
    helper_timeout,
    run_helper,
)
from .messages import REJECTED_STATUSES, rejection_message
from .urls import HostKey, normalized_url, redact_url, scope_covers

__all__ = [
    "BIN_ENV",
    "BINARY_NAME",
    "DEFAULT_TIMEOUT_SECONDS",
    "HELPER_PATH_FILE",
    "LOG_ENV",
    "PACKAGE_DIR",
    "TIMEOUT_ENV",
    "Credential",
    "CredentialHelperAuth",
    "CredentialHelperError",
    "HelperFailure",
    "HostKey",
    "checked_scope",
    "clear_cache",
    "credential_for",
    "find_helper",
    "fingerprint",
    "helper_timeout",
    "normalized_url",
    "parse_helper_output",
    "redact_url",
    "rejection_message",
    "run_helper",
    "scope_covers",
    "validate_headers",
]

log = logging.getLogger("conda_credential_helper")


class CredentialHelperError(Exception):
    """Default error raised by ``CredentialHelperAuth`` when the caller names no error class."""


class CredentialHelperAuth(AuthBase):
    """requests auth that adds the helper's headers to each request for a matching host.

    ``error_class`` is called with one message string for every error raised here.
    When a server responds with 401 or 403 to a request that carried the headers, the error
    explains the rejection. The headers are removed before a redirect to another
    origin is followed, and masked on each completed request that conda may log.
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
        if response.status_code in REJECTED_STATUSES:
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
        return f"{scheme} {fingerprint(key_of({name: value}))}"
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
