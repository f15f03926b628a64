"""Per-client features from the seven Home Credit sources, one module per family."""
