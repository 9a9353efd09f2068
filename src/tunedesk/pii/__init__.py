"""PII redaction with reviewable rules, shared by clean (tickets) and the server (its reply log): detectors
(`patterns`, `numbers`, `scan`), the workspace's redaction.yaml (`rules`), and the redactor (`redact`)."""
