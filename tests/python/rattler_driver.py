"""Runs py-rattler against a fake channel, for the `exec` tests.

`make-package DIR` writes a minimal noarch package, `demo-1.0-0.tar.bz2`, into DIR and
prints its repodata entry as JSON. `fetch CHANNEL_URL DEST` fetches the channel's noarch
repodata and the `demo` package with the client that pixi uses by default, which reads
`RATTLER_AUTH_FILE`, and prints what it found as JSON. Errors go to stderr with exit 1.
"""

import asyncio
import hashlib
import io
import json
import os
import stat
import sys
import tarfile
import tempfile
import traceback

PACKAGE_NAME = "demo"
FILE_NAME = "demo-1.0-0.tar.bz2"


def make_package(directory):
    """Write the package and print its repodata entry."""
    index = {
        "name": PACKAGE_NAME,
        "version": "1.0",
        "build": "0",
        "build_number": 0,
        "depends": [],
        "subdir": "noarch",
    }
    members = {
        "info/index.json": json.dumps(index).encode(),
        "info/paths.json": json.dumps({"paths": [], "paths_version": 1}).encode(),
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:bz2") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    data = buffer.getvalue()
    with open(os.path.join(directory, FILE_NAME), "wb") as package:
        package.write(data)
    entry = dict(index, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    print(json.dumps({"file_name": FILE_NAME, "entry": entry}))


async def fetch(channel_url, destination):
    """Fetch the repodata and the package, and print what was found."""
    from rattler import Channel, PackageName, Platform
    from rattler.networking import Client, fetch_repo_data
    from rattler.package_streaming import download_and_extract

    auth_file = os.environ["RATTLER_AUTH_FILE"]
    auth_file_mode = stat.S_IMODE(os.stat(auth_file).st_mode)

    client = Client.authenticated_client()
    with tempfile.TemporaryDirectory() as cache:
        repodata = await fetch_repo_data(
            channels=[Channel(channel_url)],
            platforms=[Platform("noarch")],
            cache_path=cache,
            callback=None,
            client=client,
        )
        records = repodata[0].load_records(PackageName(PACKAGE_NAME))
    record = records[0]
    await download_and_extract(client, record.url, destination, record.sha256)
    extracted = sorted(
        os.path.relpath(os.path.join(root, name), destination)
        for root, _, names in os.walk(destination)
        for name in names
    )
    result = {
        "auth_file_mode": oct(auth_file_mode),
        "records": [record.file_name for record in records],
        "extracted": extracted,
    }
    print(json.dumps(result))


def main(argv):
    if len(argv) == 3 and argv[1] == "make-package":
        make_package(argv[2])
    elif len(argv) == 4 and argv[1] == "fetch":
        try:
            asyncio.run(fetch(argv[2], argv[3]))
        except Exception:
            traceback.print_exc()
            return 1
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    code = main(sys.argv)
    sys.stdout.flush()
    sys.stderr.flush()
    # NOTE: py-rattler 0.28 sometimes aborts during interpreter shutdown ("Fatal Python
    # error: PyGILState_Release"), after the work is done. Exiting without finalization
    # keeps the exit code that the fetch earned.
    os._exit(code)
