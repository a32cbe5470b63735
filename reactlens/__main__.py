"""``python -m reactlens``: the same as the ``reactlens`` command."""

from reactlens.cli import main

main()
