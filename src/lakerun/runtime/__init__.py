"""The small runtime both sides share: secret references, the `dbutils` lookup and signed outbound POSTs.

It imports only the standard library and httpx, so a workload task and the control plane can both use it
without paying for each other's dependencies.
"""
