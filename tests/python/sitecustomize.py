"""Test-only name resolution: maps chosen host names to loopback ports.

Python imports this module at start-up when its directory is on ``PYTHONPATH``. It acts
only when ``CONDA_CREDENTIAL_HELPER_TEST_HOSTS`` contains a JSON object of host name to port,
for example ``{"repo.anaconda.cloud": 40123}``. Then a lookup of a listed host returns
127.0.0.1 at the listed port, so clients keep the real host name for TLS and the ``Host``
header while connecting to a local test server. A lookup of any other name that is not a
loopback address fails, so a test can never reach a host outside this machine.
"""

import ipaddress
import json
import os
import socket

_HOSTS_VAR = "CONDA_CREDENTIAL_HELPER_TEST_HOSTS"


def _loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _install(hosts):
    original = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name is None or _loopback(name):
            return original(host, port, *args, **kwargs)
        key = name.rstrip(".").lower()
        if key in hosts:
            return original("127.0.0.1", hosts[key], *args, **kwargs)
        raise socket.gaierror(
            socket.EAI_NONAME, f"{name} is not a test host (only {sorted(hosts)} resolve here)"
        )

    socket.getaddrinfo = getaddrinfo


_mapping = os.environ.get(_HOSTS_VAR)
if _mapping:
    _install({name.rstrip(".").lower(): int(port) for name, port in json.loads(_mapping).items()})
