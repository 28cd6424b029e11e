"""Lendbook's domain layer: loans from application to payoff, free of any web framework."""
