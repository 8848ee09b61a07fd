"""Profile runs in the control plane (seed 001): connections, table groups, runs as attempts, stored results."""
