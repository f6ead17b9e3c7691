"""Hostile inputs for the reliability and security tests, generated at test time (no binaries)."""
