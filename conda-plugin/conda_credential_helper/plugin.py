"""conda hooks that register conda-credential-helper as a channel auth handler.

conda loads this module through the entry point
``conda-credential-helper = conda_credential_helper.plugin`` in the group ``conda``.
A ``channel_settings`` entry with ``auth: conda-credential-helper`` selects the handler.
conda 24.5 and later match its ``channel`` as a URL pattern such as
``https://repo.anaconda.cloud/*``. conda 23.9 to 24.4 match only an exact channel
name such as ``https://repo.anaconda.cloud/repo/main``.
"""

from __future__ import annotations

from . import auth

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
    per host however many sessions and download threads conda uses.
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
