"""Reply texts: one catalogue per language (bot/locales/*.yaml), and a language guess."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

_LOCALES = Path(__file__).parent / "locales"
DEFAULT_LANG = "en"

_SPANISH_HINTS = re.compile(
    r"[¿¡ñáéíóú]|\b(quien|quienes|es|el|la|los|las|para|con|hablo|sobre|punto|de|del|"
    r"contacto|encarga|encargado|ayuda|hola|por|favor|que|cual|donde|responsable|"
    r"lleva|gestiona|temas?|quiero|necesito|hablar|preguntar|asignar|desasignar|historial|"
    r"ausente|vuelvo|suscribir|desuscribir|mios|hasta|delegado|porque|como|suplente|desde|estadisticas|respondida|resuelta|reabrir|pasarla|meocupo)\b"
)
_ENGLISH_HINTS = re.compile(
    r"\b(who|whom|is|the|for|what|owns|handles|about|talk|speak|contact|of|do|i|"
    r"help|hello|hi|please|runs|manages|in|charge|responsible|point|ask|need)\b"
)


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    path = _LOCALES / f"{lang}.yaml"
    if not path.exists():
        path = _LOCALES / f"{DEFAULT_LANG}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def languages() -> list[str]:
    return sorted(p.stem for p in _LOCALES.glob("*.yaml"))


# "{count|question|questions}": the singular when the value is 1, else the plural.
_PLURAL = re.compile(r"\{(\w+)\|([^|{}]*)\|([^|{}]*)\}")


def t(lang: str, key: str, **values: object) -> str:
    """The text for key in lang (falling back to English), with values filled in."""
    text = catalogue(lang).get(key) or catalogue(DEFAULT_LANG)[key]
    if not values:
        return text
    text = _PLURAL.sub(lambda m: m[2] if values.get(m[1]) == 1 else m[3], text)
    return text.format(**values)


def detect_language(text: str, default: str = DEFAULT_LANG) -> str:
    """Spanish when the message has more Spanish than English markers, else default."""
    lowered = text.lower()
    spanish = len(_SPANISH_HINTS.findall(lowered))
    english = len(_ENGLISH_HINTS.findall(lowered))
    if spanish > english:
        return "es"
    if english > spanish:
        return "en"
    return default
