"""The helper's JSON output, checked and parsed into a ``Credential``, and the
``HelperFailure`` raised when the helper gives none.

No message built here quotes the output, because it may contain a key.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Mapping

# RFC 9110 token characters: what an HTTP field name may contain.
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Visible ASCII, space and tab: http.client would reject or re-encode anything else,
# and its error messages quote the whole value.
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")
_LINE_BREAK_OR_NUL = re.compile(r"[\r\n\x00]")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


class HelperFailure(Exception):
    """Failure to get headers from the helper, with a message written for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Credential:
    """Headers the helper returned for one URL, where their key came from, the URL
    prefix (``scope``) for which the same headers hold, and what the key is (``kind``:
    ``API key``, ``repo token``, or ``token`` or ``password`` for a custom channel).

    ``headers`` is left out of ``repr`` because it contains the key.
    """

    headers: Mapping[str, str] = field(repr=False)
    source: str | None = None
    scope: str | None = None
    kind: str | None = None

    @property
    def fingerprint(self) -> str:
        """Masked form of the key, safe to show in messages."""
        return fingerprint(key_of(self.headers))

    def describe_source(self) -> str:
        """Return the key's source for messages, or a placeholder when the helper sent none."""
        return self.source or "a source the helper did not name"

    def describe_kind(self) -> str:
        """Return the kind of key for messages, or ``credential`` when the helper sent none."""
        return self.kind or "credential"


def fingerprint(key: str) -> str:
    """Mask ``key`` as ``****`` plus its last 4 characters, or only ``****`` for 8 or fewer."""
    if len(key) <= 8:
        return "****"
    return "****" + key[-4:]


def key_of(headers: Mapping[str, str]) -> str:
    """Return the key inside the headers: the Authorization credentials, else the first value."""
    for name, value in headers.items():
        if name.lower() == "authorization":
            scheme, _, credentials = value.partition(" ")
            return credentials.strip() or scheme
    for value in headers.values():
        return value
    return ""


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
        source=_clean_text(document.get("source")),
        scope=scope if isinstance(scope, str) else None,
        kind=_clean_text(document.get("kind")),
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


def _clean_text(text: object) -> str | None:
    """Return a text field such as ``source`` fit for one line of a message, or None when
    it is missing or not a string."""
    if not isinstance(text, str) or not text.strip():
        return None
    return _CONTROL_CHARS.sub("?", text.strip())
