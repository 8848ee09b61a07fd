"""The local SQL warehouse: Databricks SQL on DuckDB over Delta tables, and the Unity Catalog they form."""
