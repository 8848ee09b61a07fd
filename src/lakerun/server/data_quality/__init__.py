"""`/v1/data-quality`: connections, table groups and their profile runs (seed 001)."""
