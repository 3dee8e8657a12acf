"""Pure CQC rules: ratings, catalogue, grid, aggregation, SAF. Standard library only."""
