"""Unit tests of the transfer engine (memory:// and local files, no servers)."""
