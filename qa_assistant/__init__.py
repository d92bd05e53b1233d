"""qa-assistant: answers questions over a folder of news articles, citing the exact source sentences."""

__version__ = "0.1.0"
