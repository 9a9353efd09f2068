"""`python -m tunedesk` (and `accelerate launch -m tunedesk …`)."""

from tunedesk.cli.main import main

main()
