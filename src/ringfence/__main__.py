"""``python -m ringfence`` runs the command line."""

from ringfence.cli import main

main()
