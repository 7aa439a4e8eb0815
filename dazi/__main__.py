"""``python -m dazi`` runs the ``dazi`` command."""

from dazi.cli import main

main()
