"""Output sinks: JSONL and the table for people."""
