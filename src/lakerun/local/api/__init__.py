"""HTTP endpoints of the local workspace, one module per Databricks API area."""
