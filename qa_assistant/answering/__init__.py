"""Answering: the Engine (question -> events -> Answer), the LLM, prompts, extractive answers, follow-ups."""
