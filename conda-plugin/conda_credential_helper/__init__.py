"""conda plugin that authenticates requests with headers from conda-credential-helper.

The conda hooks live in ``plugin``. ``auth`` contains the requests-level logic and
imports nothing from conda, so it also works in a plain ``requests`` program.
"""

__version__ = "0.1.0"
