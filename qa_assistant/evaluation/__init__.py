"""Evaluation: metrics over gold evidence and the runner behind ``qa-assistant eval``."""
