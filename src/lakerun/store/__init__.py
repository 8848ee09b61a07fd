"""Persistence of the control plane: SQLAlchemy models, repositories and migrations."""
