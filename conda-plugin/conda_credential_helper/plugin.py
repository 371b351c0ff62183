"""conda hooks that register conda-credential-helper as a channel auth handler.

conda loads this module through the entry point
``conda-credential-helper = conda_credential_helper.plugin`` in the group ``conda``.
A ``channel_settings`` entry with ``auth: conda-credential-helper`` selects the handler.
conda 24.5 and later match its ``channel`` as a URL pattern such as
``https://repo.anaconda.cloud/*``. conda 23.9 to 24.4 match only an exact channel
name such as ``https://repo.anaconda.cloud/repo/main``.
"""

from __future__ import annotations

from . import auth, diagnose

# These names exist unchanged from conda 23.9.0, which added auth handler plugins, to
# conda 26.7. conda logs an ImportError raised here as a warning and skips the plugin.
try:
    from conda import CondaError
    from conda.plugins import hookimpl
    from conda.plugins.types import ChannelAuthBase, CondaAuthHandler
except ImportError as error:
    raise ImportError(
        f"conda-credential-helper needs conda 23.9 or later, which has auth handler "
        f"plugins; update conda in the base environment ({error})"
    ) from error

# conda 23.11 added health checks for `conda doctor`, and conda 26.7 added error hints.
# On older versions the hooks below are not defined, so conda never looks for them.
try:
    from conda.plugins.types import CondaHealthCheck
except ImportError:
    CondaHealthCheck = None
try:
    from conda.plugins.types import CondaErrorHint
except ImportError:
    CondaErrorHint = None
try:
    from conda.base.constants import OK_MARK, X_MARK
except ImportError:
    OK_MARK, X_MARK = "\N{WHITE HEAVY CHECK MARK}", "\N{CROSS MARK}"

HANDLER_NAME = "conda-credential-helper"
"""Name that ``channel_settings`` entries use in their ``auth`` field."""


class CredentialHelperError(CondaError):
    """Error that conda prints when the helper fails or a server rejects its key.

    conda prints it as ``CredentialHelperError: <message>`` without a traceback and
    exits with status 1 (seen with conda 23.9.0 and 26.7.1).
    """

    def __init__(self, message: str):
        super().__init__(message)

    def __str__(self) -> str:
        # CondaError.__str__ before conda 26.7 applies `message % kwargs` even without
        # kwargs, which fails on a literal "%" such as one in a URL. The message here is
        # already final text.
        return self.message


class CredentialHelperAuthHandler(ChannelAuthBase):
    """Channel auth handler that conda creates for each channel session.

    Every instance shares one per-process cache in ``auth``, so the helper runs once
    per scope (a host, or one organization's channels on it) however many sessions and
    download threads conda uses.
    """

    def __init__(self, channel_name: str, *args, **kwargs):
        super().__init__(channel_name, *args, **kwargs)
        self._auth = auth.CredentialHelperAuth(error_class=CredentialHelperError)

    def __call__(self, request):
        return self._auth(request)


@hookimpl
def conda_auth_handlers():
    """Register the handler under the name ``conda-credential-helper``."""
    yield CondaAuthHandler(name=HANDLER_NAME, handler=CredentialHelperAuthHandler)


def credential_health_check(prefix: str, verbose: bool) -> None:
    """Print whether conda gets a credential for the channels sent to the handler.

    It runs ``conda-credential-helper doctor --json``, which contacts no server.
    ``prefix`` is the environment ``conda doctor`` checks; the credential does not depend
    on it.
    """
    from conda.base.context import context

    channels = [
        settings.get("channel", "")
        for settings in context.channel_settings
        if (settings.get("auth") or "").strip() == HANDLER_NAME
    ]
    print(f"{diagnose.HEALTH_CHECK_NAME}:")
    try:
        report = diagnose.run_doctor()
    except auth.HelperFailure as failure:
        print(f"{X_MARK} {failure.message}\n")
        return
    for line in diagnose.health_lines(report, channels, verbose):
        print(f"{OK_MARK if line.ok else X_MARK} {line.text}")
    print()


if CondaHealthCheck is not None:

    @hookimpl
    def conda_health_checks():
        """Register the credential check with ``conda doctor``."""
        fields = getattr(CondaHealthCheck, "__dataclass_fields__", None) or getattr(
            CondaHealthCheck, "_fields", ()
        )
        extra = {"summary": "Check the credential for Anaconda's channels"}
        yield CondaHealthCheck(
            name=diagnose.HEALTH_CHECK_NAME,
            action=credential_health_check,
            **{key: value for key, value in extra.items() if key in fields},
        )


if CondaErrorHint is not None:

    @hookimpl
    def conda_error_hints(error):
        """Explain a 401 or 403 from repo.anaconda.cloud, naming the credential's source."""
        if isinstance(error, CredentialHelperError):
            text = diagnose.DIAGNOSE_COMMANDS
            yield CondaErrorHint(text=text, hint_code="conda_credential_helper_diagnose")
            return
        details = getattr(error, "_kwargs", None) or {}
        text = diagnose.error_hint(details.get("status_code"), details.get("url"))
        if text:
            yield CondaErrorHint(text=text, hint_code="conda_credential_helper_rejected")
