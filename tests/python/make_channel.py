"""Write a tiny conda channel for the end-to-end test: one package and its repodata.

Usage: ``python make_channel.py OUTPUT_DIR SUBDIR``

Writes ``OUTPUT_DIR/SUBDIR/repodata.json`` listing one ``.tar.bz2`` package built for
``SUBDIR`` (for example ``linux-64``) and the package file beside it. The fake repository
already serves an empty ``noarch/repodata.json``, which completes the channel. The package
installs one data file, ``DATA_PATH``, so a test can check that conda really installed it.
Every byte is fixed, so two runs give the same files.
"""

import hashlib
import io
import json
import sys
import tarfile
from pathlib import Path

NAME = "credential-demo"
VERSION = "1.0"
BUILD = "0"
DATA_PATH = "share/credential-demo/hello.txt"
DATA = b"installed from the private channel\n"

# A fixed modification time keeps the archive bytes, and so its checksums, stable.
MTIME = 1_700_000_000


def add_member(archive, name, data):
    member = tarfile.TarInfo(name)
    member.size = len(data)
    member.mtime = MTIME
    member.mode = 0o644
    archive.addfile(member, io.BytesIO(data))


def package_index(subdir):
    return {
        "name": NAME,
        "version": VERSION,
        "build": BUILD,
        "build_number": 0,
        "depends": [],
        "license": "MIT",
        "subdir": subdir,
    }


def build_package(subdir):
    """Return the package file name, its bytes and its repodata record."""
    index = package_index(subdir)
    paths = {
        "paths": [
            {
                "_path": DATA_PATH,
                "path_type": "hardlink",
                "sha256": hashlib.sha256(DATA).hexdigest(),
                "size_in_bytes": len(DATA),
            }
        ],
        "paths_version": 1,
    }

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:bz2") as archive:
        add_member(archive, "info/index.json", json.dumps(index).encode())
        add_member(archive, "info/paths.json", json.dumps(paths).encode())
        add_member(archive, "info/files", (DATA_PATH + "\n").encode())
        add_member(archive, DATA_PATH, DATA)
    data = buffer.getvalue()

    record = dict(
        index,
        md5=hashlib.md5(data).hexdigest(),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
    )
    return f"{NAME}-{VERSION}-{BUILD}.tar.bz2", data, record


def repodata(subdir, packages):
    return {
        "info": {"subdir": subdir},
        "packages": packages,
        "packages.conda": {},
        "removed": [],
        "repodata_version": 1,
    }


def main(output, subdir):
    file_name, data, record = build_package(subdir)

    platform_dir = output / subdir
    platform_dir.mkdir(parents=True, exist_ok=True)
    (platform_dir / file_name).write_bytes(data)
    (platform_dir / "repodata.json").write_text(
        json.dumps(repodata(subdir, {file_name: record}))
    )


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[2] == "noarch":
        sys.exit("usage: make_channel.py OUTPUT_DIR SUBDIR (a platform such as linux-64)")
    main(Path(sys.argv[1]), sys.argv[2])
