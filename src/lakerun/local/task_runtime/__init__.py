"""Code that runs inside a task process: the runner, the `dbutils` shim and a lazy `spark`."""
