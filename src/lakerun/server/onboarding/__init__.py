"""Onboarding a workspace onto lakerun (seed 000's installation flow) through the control plane."""
