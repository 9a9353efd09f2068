"""The system prompt every stage writes or sends the same way (`system`), and the BM25 index that picks the
policy facts relevant to a customer's message (`retrieval`)."""
