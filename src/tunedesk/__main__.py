"""`python -m tunedesk` (and `accelerate launch -m tunedesk …`)."""

from tunedesk.cli import main

main()
