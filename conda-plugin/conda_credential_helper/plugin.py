"""Placeholder for the conda hooks that register the auth handler."""
