"""Fetch a URL with requests and the plugin's auth handler, and print the outcomes as JSON.

Usage: ``python plugin_driver.py [--threads N] URL [URL ...]``. Each of the N threads opens
its own session with its own ``CredentialHelperAuth``, as conda does, and all start at once.
Thread i fetches the URL at position i modulo the number of URLs. The
output is a JSON list with one object per thread: ``{"status", "redirects", "url",
"authorization"}`` for a response, where ``authorization`` is the header as the response's
request records it, or ``{"error", "message"}`` for an error raised by the plugin. Any other
exception ends the script with a traceback and a non-zero exit status.
"""

import argparse
import json
import sys
import threading

import requests

from conda_credential_helper import auth


def fetch(url):
    with requests.Session() as session:
        try:
            response = session.get(url, auth=auth.CredentialHelperAuth(), timeout=30)
        except auth.CredentialHelperError as error:
            return {"error": type(error).__name__, "message": str(error)}
        return {
            "status": response.status_code,
            "redirects": [earlier.status_code for earlier in response.history],
            "url": response.url,
            "authorization": response.request.headers.get("Authorization"),
        }


def fetch_from_threads(urls, count):
    barrier = threading.Barrier(count)
    outcomes = [None] * count
    failures = []

    def run(index):
        barrier.wait()
        try:
            outcomes[index] = fetch(urls[index % len(urls)])
        except BaseException as error:
            failures.append(error)
            raise

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return outcomes


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("urls", nargs="+", metavar="url")
    parser.add_argument("--threads", type=int, default=1)
    arguments = parser.parse_args()

    outcomes = fetch_from_threads(arguments.urls, arguments.threads)
    json.dump(outcomes, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
