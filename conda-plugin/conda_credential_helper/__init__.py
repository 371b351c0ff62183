"""Conda plugin that gets Anaconda channel credentials from conda-credential-helper."""

__version__ = "0.1.0"
