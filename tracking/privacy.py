"""What the public may see of a person: a masked name, nothing else.

Personal Data Protection Law 91/2025/QH15 and Decree 356/2025 (in force 1/1/2026): name,
address, phone and identity number are basic personal data (DOMAIN.md "Personal data"). The
public tracking page and ``GET /api/v1/track/{code}`` show no address, phone or identity number
and this masked name.

The masking rule (documented in docs/user-guide.md): a Vietnamese name is family name, middle
names, given name. The family name stays whole (a handful of family names cover most of the
population, so it identifies nobody on its own, and it tells a family "this one is ours"); each
middle name becomes its initial and a full stop; the given name, the part that identifies, keeps
only its first letter followed by ``***``::

    Nguyễn Thị Ánh Tuyết  →  Nguyễn T. Á. T***
    Lê Hương              →  Lê H***
    Tuyết                 →  T***
    (erased or empty)     →  ***

The length of the given name is hidden too (always three stars). Pure: no Flask, no database.

``same_place_words`` tells whether a place typed with a checkpoint is part of the applicant's
address (a postal worker may note the village of a delivery): such places are not shown.
"""

from __future__ import annotations

import unicodedata

STARS = "***"


def _initial(word: str) -> str:
    """The first letter with its diacritics (Ánh → Á), whatever the input's normal form."""
    return unicodedata.normalize("NFC", word)[0]


def mask_name(name: str | None) -> str:
    words = unicodedata.normalize("NFC", name or "").split()
    if not words:
        return STARS
    if len(words) == 1:
        return _initial(words[0]) + STARS
    family, *middle, given = words
    return " ".join([family, *(_initial(w) + "." for w in middle), _initial(given) + STARS])


def _words(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().replace(",", " ").split())


def same_place_words(place: str, address: str) -> bool:
    """True when the place, as words, appears in the address (or the address in the place)."""
    p, a = _words(place), _words(address)
    return bool(p and a) and (p in a or a in p)
