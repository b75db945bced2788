"""Reusable tests for storage backends; import :mod:`skylift.storage.testing.contract` from a test.

This package imports nothing at skylift import time; its ``contract`` module needs
pytest, which only test runs have (see docs/storage.md, "Testing a new backend").
"""
