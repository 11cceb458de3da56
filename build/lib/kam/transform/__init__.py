"""Transform: the dbt project built in-process on the run's warehouse, and its docs."""
