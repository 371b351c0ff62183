"""Fixtures: stand-in helper scripts, the real helper binary and loopback HTTP servers."""

from __future__ import annotations

import os
import sys
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conda_credential_helper import auth  # noqa: E402

TEST_BIN_ENV = "CONDA_CREDENTIAL_HELPER_TEST_BIN"

# Variables that change what the helper or the plugin does; each test starts without them.
_ISOLATED_VARIABLES = (
    auth.BIN_ENV,
    auth.TIMEOUT_ENV,
    auth.LOG_ENV,
    "ANACONDA_AUTH_API_KEY",
    "ANACONDA_CLOUD_API_KEY",
    "ANACONDA_AUTH_DOMAIN",
    "ANACONDA_AUTH_SITE",
    "ANACONDA_AUTH_KEYRING",
    "ANACONDA_AUTH_KEYRING_PATH",
    "ANACONDA_AUTH_USE_UNIFIED_REPO_API_KEY",
    "ANACONDA_DEFAULT_SITE",
    "ANACONDA_CONFIG_TOML",
    "ANACONDA_SECRETS_DIR",
    "XDG_CONFIG_HOME",
    "RUST_LOG",
)


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """Start each test with an empty helper cache, no helper variables, a fresh cwd, an
    empty home and an empty config file of the helper."""
    for name in _ISOLATED_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    config = tmp_path / "helper-config.toml"
    config.write_text("")
    monkeypatch.setenv("CONDA_CREDENTIAL_HELPER_CONFIG", str(config))
    auth.clear_cache()
    yield
    auth.clear_cache()


@pytest.fixture
def write_helper(tmp_path, monkeypatch):
    """Return a function that writes a shell script standing in for the helper.

    The script becomes the helper through ``CONDA_CREDENTIAL_HELPER_BIN``. Stand-ins
    test how the plugin reacts to a helper that misbehaves in ways the real binary
    does not.
    """

    def write(body: str, name: str = "helper") -> Path:
        path = tmp_path / name
        path.write_text("#!/bin/sh\n" + textwrap.dedent(body))
        path.chmod(0o755)
        monkeypatch.setenv(auth.BIN_ENV, str(path))
        return path

    return write


@pytest.fixture
def real_helper(monkeypatch, tmp_path) -> Path:
    """Point the plugin at the real binary, with an empty secrets dir and no key set."""
    binary = os.environ.get(TEST_BIN_ENV, "")
    if not binary:
        pytest.fail(
            f"{TEST_BIN_ENV} is not set. Run scripts/test, which builds "
            f"conda-credential-helper and sets it to the binary's path."
        )
    if not os.access(binary, os.X_OK):
        pytest.fail(f"{TEST_BIN_ENV} is `{binary}`, which is not an executable file.")

    secrets = tmp_path / "secrets"
    secrets.mkdir()
    monkeypatch.setenv("ANACONDA_SECRETS_DIR", str(secrets))
    monkeypatch.setenv(auth.BIN_ENV, binary)
    return Path(binary)


class RecordingServer:
    """Loopback HTTP server that records each request's headers.

    ``routes`` maps a path to ``(status, headers)``; other paths get 404.
    """

    def __init__(self):
        self.received: list[tuple[str, dict[str, str]]] = []
        self.routes: dict[str, tuple[int, dict[str, str]]] = {}
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_port}"

    def route(self, path: str, status: int = 200, headers: dict | None = None) -> str:
        """Respond to ``path`` with ``status`` and ``headers``, and return the route's URL."""
        self.routes[path] = (status, headers or {})
        return self.url + path

    def headers_for(self, path: str) -> list[dict[str, str]]:
        """Return the headers of every request received for ``path``."""
        return [headers for got, headers in self.received if got == path]

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.received.append((self.path, dict(self.headers.items())))
                status, headers = server.routes.get(self.path, (404, {}))
                body = b"ok\n"
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format, *args):
                pass

        return Handler


@pytest.fixture
def http_server():
    """Return a function that starts a ``RecordingServer``; all are closed after the test."""
    servers: list[RecordingServer] = []

    def start() -> RecordingServer:
        server = RecordingServer()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()
