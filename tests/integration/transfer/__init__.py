"""Integration tests of the transfer engine against real local servers."""
