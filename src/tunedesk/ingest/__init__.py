"""The ingest stage: helpdesk exports and KB files → importers (`ingest.importers`, one per format, looked up by
name) → Ticket and Article records in the store; what cannot be read is quarantined with its reason."""
