"""`/v1/metadata`: the platform endpoint `lakerun-executor api_transmission` sends metadata batches to."""
