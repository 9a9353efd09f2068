"""The build stage: cleaned tickets → chat examples with the current policies → splits → files + dataset card."""
