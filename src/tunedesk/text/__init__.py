"""Text primitives with no knowledge of the pipeline: HTML to text, reply parsing (quotes, signatures), patterns
and prefilters, the VADER word lists."""
