"""The demo trust: Barts Health NHS Trust, built through the same services as real data."""
