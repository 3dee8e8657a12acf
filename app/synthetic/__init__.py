"""A national synthetic dataset for measuring the product at scale (issue 8): trusts, hospitals,
departments, years of inspections, findings and actions, generated deterministically from a
seed and written with bulk inserts. No views: `flask seed-synthetic` and `seed_synthetic()`."""
