"""conda plugin that authenticates requests with headers from conda-credential-helper.

The conda hooks live in ``plugin``. ``auth`` contains the requests-level logic and
imports nothing from conda, so it also works in a plain ``requests`` program.
``diagnose`` builds the text of the ``conda doctor`` check and of conda's error hints,
and imports nothing from conda either.
"""

__version__ = "0.1.0"
