"""The `tunedesk` command line. `app` holds the typer app and what the commands share; each other module registers
a few thin commands (parse → call a stage → print with that stage's console printer); `main` imports them all."""
