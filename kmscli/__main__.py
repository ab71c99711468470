"""`python -m kmscli` runs the same entry point as the `kmscli` console script."""

from kmscli.cli import main

main()
