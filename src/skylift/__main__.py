"""``python -m skylift``."""

from skylift.cli.app import main

main()
