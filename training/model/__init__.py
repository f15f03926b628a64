"""Model training, evaluation, the business threshold and the bundle the API serves."""
