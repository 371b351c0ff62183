"""conda plugin that authenticates requests with headers from conda-credential-helper.

The conda hooks live in ``plugin``, the only module that imports conda. ``auth``
contains the requests auth handler, built on ``helper`` (finding and running the
binary), ``credential`` (its checked output), ``cache`` (its responses per scope),
``urls`` and ``messages``, so it also works in a plain ``requests`` program.
``diagnose`` builds the text of the ``conda doctor`` check and of conda's error hints.
"""

__version__ = "0.1.0"
