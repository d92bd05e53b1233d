"""The words of a text as retrieval and citations both see them: one stopword list,
one number-word table, one stemmer.

The stemmer is a crude, consistent suffix stripper with a table of irregular
forms (rose/rise, won/win, men/man): the same on both sides is all that matters,
and it folds plurals, possessives and the common verb endings.
"""

from __future__ import annotations

from functools import lru_cache

# English function words, contractions' stems, and reporting verbs that carry no claim
STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have having
he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
nor not now of off on once only or other our ours ourselves out over own same she should so some such than
that the their theirs them themselves then there these they this those through to too under until up very
was we were what when where which while who whom why will with would you your yours yourself yourselves
according said says say told per via among within without upon yet still however although though whose
many much one ones s t
aren cannot couldn didn doesn don hadn hasn haven isn let mustn ought shan shouldn wasn weren wouldn d ll m re ve
""".split())

NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13",
    "fourteen": "14", "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18",
    "nineteen": "19", "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50", "sixty": "60",
    "seventy": "70", "eighty": "80", "ninety": "90", "hundred": "100", "thousand": "1000",
    "million": "1000000", "billion": "1000000000", "first": "1", "second": "2", "third": "3",
}
IRREGULAR = {
    "rose": "rise", "risen": "rise", "began": "begin", "begun": "begin", "fell": "fall", "fallen": "fall",
    "won": "win", "went": "go", "gone": "go", "took": "take", "taken": "take", "made": "make", "led": "lead",
    "held": "hold", "grew": "grow", "grown": "grow", "paid": "pay", "sold": "sell", "built": "build",
    "bought": "buy", "died": "die", "dies": "die", "dying": "die", "lost": "lose", "left": "leave",
    "brought": "bring", "thought": "think", "found": "find", "gave": "give", "given": "give", "came": "come",
    "became": "become", "spent": "spend", "sent": "send", "kept": "keep", "met": "meet", "ran": "run",
    "wrote": "write", "written": "write", "chose": "choose", "chosen": "choose", "fought": "fight",
    "struck": "strike", "caught": "catch", "taught": "teach", "shot": "shoot", "hit": "hit", "cut": "cut",
    "men": "man", "women": "woman", "children": "child", "people": "person",
}


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A crude, consistent suffix stripper (the same on both sides is all that matters).

    Memoised: a build stems every word of every passage (600,000 calls for BBC's 2,225
    articles, 1.8 s of the main thread's time uncached), and news repeats its words."""
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    word = word.strip("'-")
    if word in IRREGULAR:
        return IRREGULAR[word]
    for suffix, keep in (("ies", "y"), ("ied", "y"), ("ing", ""), ("edly", ""), ("ed", ""), ("ly", ""),
                         ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            base = word[: -len(suffix)] + keep
            if suffix in ("ing", "ed") and len(base) > 3 and base[-1] == base[-2] and base[-1] not in "aeiouylsz":
                base = base[:-1]  # running -> run, stopped -> stop
            return base
    return word
