"""Loading the knowledge base (a cache of the parsed form comes in a later step)."""

from __future__ import annotations

from .loader import load_knowledge, resolve_dir
from .model import Knowledge


def load_cached(knowledge_dir: str | None) -> Knowledge:
    return load_knowledge(resolve_dir(knowledge_dir))
