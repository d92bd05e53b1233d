"""Saved conversations of the chat and their Markdown export."""
