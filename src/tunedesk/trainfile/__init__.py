"""The training-file format every stage after build reads or writes: rows in four formats (OpenAI chat,
prompt/completion, instruction, ShareGPT) written by build (`rows`), read back line by line (`reading`), and
turned into chat messages with their format problems (`chat`, `flat`, `issues`)."""
