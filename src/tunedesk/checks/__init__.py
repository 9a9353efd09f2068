"""Judge-free checks on customers' messages and replies, shared by clean, build, eval and the server: the
escalation marker (`marker`), escalation rules and sentiment (`escalation`), grounding of concrete claims
(`grounding`), a reply's conduct (`conduct`) and contradictions of the current policies (`contradictions`)."""
