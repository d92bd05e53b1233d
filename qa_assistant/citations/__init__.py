"""Citations of an answer: markers, lexical evidence, support scores and verdicts."""
