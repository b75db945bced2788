"""Tests of ``discover local`` against this machine."""
