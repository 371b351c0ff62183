"""Count helper runs during one `conda env create` with 16 download threads.

Usage: ``python3 bench_spawns.py CONDA HELPER WORK_DIR``

The plugin must already be installed in CONDA's base prefix (``scripts/bench`` does that).
This script serves a channel of ``PACKAGES`` small packages from a local HTTPS server that
acts as repo.anaconda.cloud. The server accepts only ``Authorization: Bearer <key>`` and
delays each package response by ``PACKAGE_DELAY_SECONDS``, so that many downloads are in
flight at once. conda runs with ``fetch_threads: 16``, a cleared environment, and the
resolver in ``tests/python/sitecustomize.py``, which sends repo.anaconda.cloud to the
local server and fails every other host name. The plugin runs a wrapper script that logs
each start of the helper. Prints one JSON object with the counts.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import ssl
import subprocess
import sys
import tarfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HOST = "repo.anaconda.cloud"
CHANNEL_PATH = "/repo/main"
KEY = "bench-key-7c41d09e5a"
PACKAGES = 48
FETCH_THREADS = 16
PACKAGE_DELAY_SECONDS = 0.2
# A fixed modification time keeps the archives, and so their checksums, stable.
MTIME = 1_700_000_000
REPO_ROOT = Path(__file__).resolve().parent.parent


def add_member(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    member = tarfile.TarInfo(name)
    member.size = len(data)
    member.mtime = MTIME
    member.mode = 0o644
    archive.addfile(member, io.BytesIO(data))


def build_package(name: str, subdir: str) -> tuple[str, bytes, dict]:
    """Return the file name, bytes and repodata record of a package with one data file."""
    index = {
        "name": name,
        "version": "1.0",
        "build": "0",
        "build_number": 0,
        "depends": [],
        "license": "MIT",
        "subdir": subdir,
    }
    data_path = f"share/{name}/data.txt"
    data = f"{name}\n".encode()
    paths = {
        "paths": [
            {
                "_path": data_path,
                "path_type": "hardlink",
                "sha256": hashlib.sha256(data).hexdigest(),
                "size_in_bytes": len(data),
            }
        ],
        "paths_version": 1,
    }

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:bz2") as archive:
        add_member(archive, "info/index.json", json.dumps(index).encode())
        add_member(archive, "info/paths.json", json.dumps(paths).encode())
        add_member(archive, "info/files", f"{data_path}\n".encode())
        add_member(archive, data_path, data)
    package = buffer.getvalue()

    record = dict(
        index,
        md5=hashlib.md5(package).hexdigest(),
        sha256=hashlib.sha256(package).hexdigest(),
        size=len(package),
    )
    return f"{name}-1.0-0.tar.bz2", package, record


def build_channel(subdir: str) -> dict[str, bytes]:
    """Return the channel's files by URL path: packages, repodata and an empty noarch."""
    files = {}
    records = {}
    for number in range(PACKAGES):
        file_name, package, record = build_package(f"bench-pkg-{number:02}", subdir)
        files[f"{CHANNEL_PATH}/{subdir}/{file_name}"] = package
        records[file_name] = record
    for channel_subdir, packages in ((subdir, records), ("noarch", {})):
        repodata = {
            "info": {"subdir": channel_subdir},
            "packages": packages,
            "packages.conda": {},
            "repodata_version": 1,
        }
        files[f"{CHANNEL_PATH}/{channel_subdir}/repodata.json"] = json.dumps(repodata).encode()
    return files


class Counters:
    """Request counts that the server threads update under one lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.unauthorized = 0
        self.packages = 0
        self.in_flight = 0
        self.max_in_flight = 0

    def start_package(self) -> None:
        with self.lock:
            self.packages += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def end_package(self) -> None:
        with self.lock:
            self.in_flight -= 1


def make_handler(files: dict[str, bytes], counters: Counters) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (name fixed by http.server)
            with counters.lock:
                counters.requests += 1
            if self.headers.get("Authorization") != f"Bearer {KEY}":
                with counters.lock:
                    counters.unauthorized += 1
                self.reply(401, b"")
                return
            body = files.get(self.path.split("?")[0])
            if body is None:
                self.reply(404, b"")
                return
            if not self.path.endswith(".tar.bz2"):
                self.reply(200, body)
                return
            counters.start_package()
            try:
                time.sleep(PACKAGE_DELAY_SECONDS)
                self.reply(200, body)
            finally:
                counters.end_package()

        def reply(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def write_certificate(work: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate for HOST with the openssl command."""
    certificate = work / "server.pem"
    key = work / "server-key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec",
            "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-subj", f"/CN={HOST}",
            "-addext", f"subjectAltName=DNS:{HOST}",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-keyout", str(key), "-out", str(certificate),
        ],
        check=True,
        capture_output=True,
    )
    return certificate, key


def start_server(work: Path, files: dict[str, bytes], counters: Counters) -> tuple[ThreadingHTTPServer, Path]:
    certificate, key = write_certificate(work)
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(files, counters))
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, certificate


def write_wrapper(work: Path, helper: str, log: Path) -> Path:
    wrapper = work / "helper-wrapper.sh"
    wrapper.write_text(f"#!/bin/sh\necho \"$*\" >> '{log}'\nexec '{helper}' \"$@\"\n")
    wrapper.chmod(0o755)
    return wrapper


def conda_platform(conda: str, home: Path) -> str:
    output = subprocess.run(
        [conda, "info", "--json"],
        env={"PATH": "/usr/bin:/bin", "HOME": str(home)},
        check=True,
        capture_output=True,
    ).stdout
    return json.loads(output)["platform"]


def main() -> int:
    conda, helper, work = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    home = work / "home"
    secrets = work / "secrets"
    home.mkdir(parents=True)
    secrets.mkdir()
    (secrets / "ANACONDA_AUTH_API_KEY").write_text(f"{KEY}\n")

    counters = Counters()
    files = build_channel(conda_platform(conda, home))
    server, certificate = start_server(work, files, counters)
    condarc = work / "condarc.yml"
    condarc.write_text(
        "default_channels: []\n"
        "solver: classic\n"
        f"fetch_threads: {FETCH_THREADS}\n"
        f"ssl_verify: {certificate}\n"
        "notify_outdated_conda: false\n"
    )
    dependencies = "".join(f"  - bench-pkg-{number:02}\n" for number in range(PACKAGES))
    (work / "environment.yml").write_text(
        f"channels:\n  - https://{HOST}{CHANNEL_PATH}\ndependencies:\n{dependencies}"
    )
    spawn_log = work / "helper-spawns.log"
    wrapper = write_wrapper(work, helper, spawn_log)

    environment = {
        "PATH": f"{Path(conda).parent}:/usr/bin:/bin",
        "HOME": str(home),
        "CONDARC": str(condarc),
        "CONDA_PKGS_DIRS": str(work / "pkgs"),
        "CONDA_ENVS_PATH": str(work / "envs"),
        "PYTHONPATH": str(REPO_ROOT / "tests" / "python"),
        "CONDA_CREDENTIAL_HELPER_TEST_HOSTS": json.dumps({HOST: server.server_address[1]}),
        "CONDA_CREDENTIAL_HELPER_BIN": str(wrapper),
        "ANACONDA_SECRETS_DIR": str(secrets),
    }
    started = time.monotonic()
    run = subprocess.run(
        [conda, "env", "create", "--prefix", str(work / "env"), "--file", "environment.yml"],
        cwd=work,
        env=environment,
        capture_output=True,
        text=True,
    )
    seconds = time.monotonic() - started
    server.shutdown()
    if run.returncode != 0:
        sys.stderr.write(run.stdout + run.stderr)
        sys.stderr.write(f"error: conda env create failed with exit code {run.returncode}\n")
        return 1

    spawns = spawn_log.read_text().count("\n") if spawn_log.exists() else 0
    installed = sum(
        (work / "env" / "share" / f"bench-pkg-{number:02}" / "data.txt").is_file()
        for number in range(PACKAGES)
    )
    print(
        json.dumps(
            {
                "fetch_threads": FETCH_THREADS,
                "packages_installed": installed,
                "package_downloads": counters.packages,
                "max_downloads_in_flight": counters.max_in_flight,
                "requests": counters.requests,
                "unauthorized_requests": counters.unauthorized,
                "private_hosts": 1,
                "helper_spawns": spawns,
                "seconds": round(seconds, 2),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
