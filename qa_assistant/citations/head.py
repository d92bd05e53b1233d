"""The verifier's learned head: logistic regression over ``Features``, weights kept as text.

``verifier.json`` (beside this module) holds one head per judge: ``lexical``
(no LLM judge) and one per GGUF it was fitted with, keyed by the model file's
stem.  ``bench/fit_verifier.py`` writes it; the thresholds turn the head's
probability "this claim is right" into verdicts and were chosen on right vs
wrong claims of the dev halves (see that script for how).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from ..errors import QAError
from .features import Features

LEXICAL = "lexical"
HEADS_FILE = "verifier.json"


class VerifierFileError(QAError):
    """The verifier's weights file cannot be read."""


@dataclass(frozen=True)
class Head:
    """Standardise, weigh, squash: P(claim is right | features)."""

    name: str
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    supported: float
    """Probability at or above which a claim is *supported*."""
    partial: float
    """Probability at or above which a claim is *partial* (below: *unsupported*)."""

    @property
    def uses_judge(self) -> bool:
        return "judge" in self.features

    def probability(self, features: Features) -> float:
        values = dict(zip(Features.names(), features.vector(), strict=True))
        x = np.asarray([values[n] for n in self.features], dtype=np.float64)
        z = float(((x - self.mean) / self.scale) @ self.weights + self.bias)
        return float(1.0 / (1.0 + np.exp(-z)))

    def verdict(self, probability: float, features: Features | None = None) -> str:
        return verdict(probability, self.supported, self.partial, features)

    def to_json(self) -> dict[str, object]:
        return {"features": list(self.features), "mean": [round(float(v), 6) for v in self.mean],
                "scale": [round(float(v), 6) for v in self.scale],
                "weights": [round(float(v), 6) for v in self.weights], "bias": round(self.bias, 6),
                "supported": round(self.supported, 4), "partial": round(self.partial, 4)}

    @classmethod
    def from_json(cls, name: str, data: dict[str, object]) -> Head:
        feats = tuple(str(f) for f in data["features"])  # type: ignore[attr-defined]
        unknown = set(feats) - set(Features.names())
        if unknown:
            raise VerifierFileError(f"verifier head {name!r} names unknown features {sorted(unknown)}; "
                                    "refit with python bench/fit_verifier.py")
        return cls(name=name, features=feats,
                   mean=np.asarray(data["mean"], dtype=np.float64),
                   scale=np.asarray(data["scale"], dtype=np.float64),
                   weights=np.asarray(data["weights"], dtype=np.float64),
                   bias=float(data["bias"]),  # type: ignore[arg-type]
                   supported=float(data["supported"]),  # type: ignore[arg-type]
                   partial=float(data["partial"]))  # type: ignore[arg-type]


def contradicted(features: Features) -> bool:
    """The claim states a number or a name no cited sentence has, or negation disagrees."""
    return bool(features.missing_numbers or features.missing_names or features.negation_mismatch)


def verdict(probability: float, supported: float, partial: float, features: Features | None = None) -> str:
    """*supported* / *partial* / *unsupported* by the cut-offs; a contradicted claim is never *supported*."""
    if probability >= supported and (features is None or not contradicted(features)):
        return "supported"
    if probability >= partial:
        return "partial"
    return "unsupported"


def heads_path() -> Path:
    return Path(str(resources.files("qa_assistant.citations").joinpath(HEADS_FILE)))


def load_heads(path: Path | None = None) -> dict[str, Head]:
    """Every head in the weights file, by name; raises VerifierFileError naming the file."""
    path = path or heads_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {name: Head.from_json(name, head) for name, head in data["heads"].items()}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise VerifierFileError(f"{path}: cannot read the verifier's weights ({exc}); "
                                "refit with python bench/fit_verifier.py") from None


def head_for(model_name: str | None, heads: dict[str, Head] | None = None) -> Head:
    """The head fitted with this judge model, else the lexical head (no judge)."""
    heads = heads if heads is not None else load_heads()
    if model_name and model_name in heads:
        return heads[model_name]
    return heads[LEXICAL]
