"""The shared kernel every context uses: money, errors, the acting user and the permission catalogue, settings."""
