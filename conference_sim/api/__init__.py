"""The Python API: the fluent scenario builder, ``run``, and workload generators."""
