"""NiFi flow conversion: reader → flow graph → code catalogue → Databricks notebooks and a job, with an agent loop.

Workload side: imports only light dependencies at module level, so it runs inside a Databricks task.
"""
