"""Engine adapters shared by the workload side: SQL engines, table I/O and file sources."""
