"""Benchmarks: each figure is printed beside a reference measured in the same run.

Speed is never asserted by a test (the machines that run the suite are shared and noisy);
it is shown here. `make bench` runs every `bench_*.py` module in this folder in name order.
"""
