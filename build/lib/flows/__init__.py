"""Prefect flows of kam: the monthly review, backfill, data-quality check and demo.

The flows only orchestrate; the work is done by the stage packages of `kam`.
"""
