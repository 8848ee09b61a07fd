"""The local Databricks-compatible workspace: REST facade, run engine, task launchers and the dbutils shim."""
