"""Checking runs: the timeline and its fold, expectations, diffs, golden files, invariants,
and the random explorer."""
