"""Helpers every test area shares: waiting for a condition, and which real components a test needs."""
