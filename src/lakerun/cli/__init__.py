"""Typer commands: thin wrappers that call one facade per area."""
