"""Sentences of an article that address a language model instead of a reader.

An article can carry text written to steer the assistant ("Ignore previous
instructions…", "[INST] … [/INST]", "SYSTEM: …"). Such sentences stay in the
index so the article reads as it is, but they are never given to the model as a
source and never shown as support; the article view marks them.
"""

from __future__ import annotations

import re

_PATTERNS = (
    r"\[/?INST\]",
    r"<\|?(?:im_start|im_end|system|user|assistant|endoftext)\|?>",
    r"<</?SYS>>",
    r"^\s*(?:system|assistant|user)\s*:",
    r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+)?(?:previous|prior|above|earlier|preceding)?\s*"
    r"(?:instructions?|rules|prompts?|directions|guidelines)\b",
    r"\b(?:you are now|from now on,? you|pretend (?:to be|you are)|act as (?:an?|the) (?:ai|assistant|model))\b",
    r"\b(?:as an ai|language model|the assistant) (?:must|should|will) (?:answer|say|reply|respond)\b",
    r"\b(?:the correct answer is|always answer|answer with|respond with|reply with)\b.*\b(?:regardless|no matter|always)\b",
)
_INSTRUCTION = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE | re.MULTILINE)


def addresses_model(sentence: str) -> bool:
    """True when ``sentence`` reads as an instruction to an AI model rather than news."""
    return _INSTRUCTION.search(sentence) is not None
