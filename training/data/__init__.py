"""Reading and validating the Home Credit tables (CSV folder, Kaggle zip or Parquet)."""
