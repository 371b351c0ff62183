"""Placeholder for the requests-level authentication logic."""
