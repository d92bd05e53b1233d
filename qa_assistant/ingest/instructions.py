"""Sentences of an article that address a language model instead of a reader.

An article can carry text written to steer the assistant ("Ignore previous
instructions…", "[INST] … [/INST]", "SYSTEM: …", "You are now DAN…"). Such
sentences stay in the index so the article reads as it is, but retrieval never
gives them to the model as a source and never shows them as support
(``retrieval/scoring.py`` drops them); the article view marks them.

Each pattern is one way of talking to a model: chat-template control text,
a role label opening the sentence, an order to drop earlier instructions, an
address to "the AI", role play, or an order about what to answer.  News and
encyclopedia prose does none of these: over every sentence of ``../shared/eval``
and ``../shared/corpora/bbc-news`` the detector flags none (tests hold it to that).
"""

from __future__ import annotations

import re

_MODEL = r"(?:AI|A\.I\.|artificial intelligence|(?:large )?language model|LLM|chat ?bot|AI assistant|GPT|ChatGPT)"
_ADDRESSEE = rf"(?:{_MODEL}|assistant)"
_PREVIOUS = (r"(?:(?:all (?:of )?)?(?:the |your |my |these |those |any )?"
             r"(?:previous|prior|above|earlier|preceding|original|system|initial)\s+|(?:all (?:of )?)?(?:your|any)\s+|all\s+)")
_ORDERS = r"(?:instructions?|rules|prompts?|directions|guidelines|directives|commands|context|programming)"

_PATTERNS = (
    # chat-template control text
    r"\[/?INST\]",
    r"<\|?(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id)\|?>",
    r"<</?SYS>>",
    r"</?(?:start|end)_of_turn>",
    r"^\s*#{2,}\s*(?:instruction|response|system|input)\b",
    # a role label opening the sentence ("SYSTEM: …", "Assistant: …", "System prompt: …")
    r"^\W*(?:system|assistant|user|ai|developer)(?:\s+(?:prompt|message|note|override))?\s*:",
    # orders to drop what came before
    rf"\b(?:ignore|disregard|forget|override|bypass|skip)\s+(?:about\s+)?{_PREVIOUS}{_ORDERS}\b",
    r"\b(?:ignore|disregard|forget)\s+(?:everything|all(?: of)? that|anything)\s+(?:above|before|you (?:were|have been) told)\b",
    r"\bnew (?:instructions|rules|system prompt)\s*:",
    # speaking to the model
    rf"\b(?:if you are|you are|as) an? {_MODEL}\b",
    rf"\b(?:note|message|instructions?|attention|dear)\s*(?:to|for)?\s*(?:the |any |all )?{_ADDRESSEE}s?\s*[:,]",
    rf"\b(?:the |any )?{_MODEL}s?(?: reading this| summari[sz]ing this)?,? (?:must|should|shall|is to) "
    r"(?:answer|say|reply|respond|state|output|write|tell|ignore|disregard)\b",
    # role play
    r"\bfrom now on,? you (?:are|will (?:act|answer|respond|reply|say|only|be)|must (?:answer|respond|reply|act|say))\b",
    rf"\byou are now (?:DAN\b|an? (?:{_MODEL}|unrestricted|unfiltered|jailbroken|new assistant)|in (?:developer|DAN|jailbreak) mode"
    r"|free (?:of|from) (?:your|all|any) (?:rules|restrictions)|no longer bound)",
    r"\byou are now (?:an?|the|my) \w+(?: \w+)?\s*[:;,.!-]+\s*(?:tell|say|answer|reply|respond|write|ignore|act|speak|"
    r"talk|claim|pretend)\b",
    r"^\W*you are now (?:an?|the|my) \w+(?: \w+)?\W*$",
    r"\b(?:pretend (?:to be|you are|that you are)|role-?play as|you will now act)\b",
    rf"\bact as (?:an?|the|my) (?:{_MODEL}|unrestricted|unfiltered|jailbroken)\b",
    r"\b(?:do anything now|developer mode|jailbreak(?:ed)? mode|DAN mode)\b",
    # orders about the answer
    r"\b(?:always|only) (?:answer|reply|respond|say)\b.*\b(?:regardless|no matter|whatever|every question)\b",
    r"\b(?:the correct answer is|answer with|respond with|reply with|reply only with|respond only with)\b.*"
    r"\b(?:regardless|no matter|always|every question|whatever (?:the|you))\b",
    r"\b(?:reply|respond|answer) (?:only )?with (?:the (?:single )?word|just the word|exactly)\b",
    r"\bwhen (?:asked|you are asked|anyone asks)\b.*\b(?:answer|reply|respond|say)\b.*\b(?:instead|regardless|always)\b",
)
_INSTRUCTION = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE | re.MULTILINE)


def addresses_model(sentence: str) -> bool:
    """True when ``sentence`` reads as an instruction to an AI model rather than news."""
    return _INSTRUCTION.search(sentence) is not None
