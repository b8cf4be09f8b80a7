"""ISO 3166-1 countries from ``pycountry`` (the Debian iso-codes tables and their translations), plus the
few other names people write that neither holds.

Used by :func:`stackatlas.importers.normalise.country_code`. ``pycountry`` gives every officially assigned
code with its alpha-3 code, its English name, official name and common name, and the translations of the
names that iso-codes maintains; :func:`country_names` reads the languages of :data:`LANGUAGES` (Dutch and
the languages of the countries imports meet most), which covers the native names (``Deutschland``,
``België``, ``Sverige``). :data:`ALIASES` keeps only what those tables lack: abbreviations, old names,
parts of a country, romanised native names. The names of a base dataset's countries (Dutch and English)
are added at run time.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import lru_cache

import pycountry

__all__ = ["ALIASES", "LANGUAGES", "country_names", "english_name"]

#: Languages whose iso-codes translations of the country names are read (besides English).
LANGUAGES = ("nl", "de", "fr", "es", "it", "pt", "sv", "da", "nb", "fi", "pl", "cs", "sk", "hu", "ro", "hr",
             "sl", "et", "lv", "lt", "el", "bg", "tr", "id", "ms", "af")

# other names -> alpha-2; compared after normalisation (lower case, no accents, punctuation as spaces)
ALIASES: dict[str, str] = {
    # abbreviations, parts and old names
    "usa": "US", "u s a": "US", "u s": "US", "us": "US", "america": "US",
    "uk": "GB", "u k": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB",
    "holland": "NL", "the netherlands": "NL", "netherlands the": "NL",
    "korea": "KR", "south korea": "KR", "korea south": "KR", "korea north": "KP", "north korea": "KP",
    "russia": "RU", "czech republic": "CZ", "turkey": "TR", "uae": "AE", "emirates": "AE",
    "ivory coast": "CI", "vietnam": "VN", "macedonia": "MK", "swaziland": "SZ", "cape verde": "CV",
    "burma": "MM", "dr congo": "CD", "drc": "CD", "congo kinshasa": "CD", "congo brazzaville": "CG",
    "republic of the congo": "CG", "vatican": "VA", "vatican city": "VA", "hong kong sar": "HK", "macau": "MO",
    "republic of china": "TW", "people s republic of china": "CN", "prc": "CN", "mainland china": "CN",
    "east timor": "TL", "the bahamas": "BS", "the gambia": "GM", "sao tome": "ST", "st lucia": "LC",
    # Dutch spellings the translations do not have
    "engeland": "GB", "groot brittannie": "GB", "verenigde staten van amerika": "US", "zuid korea": "KR",
    "noord korea": "KP", "wit rusland": "BY", "curacao en onderhorigheden": "CW",
    # native names in other scripts, romanised
    "osterreich": "AT", "oesterreich": "AT", "svizzera": "CH", "schweiz": "CH", "suisse": "CH",
    "belgien": "BE", "belgique": "BE", "espana": "ES", "italia": "IT", "sverige": "SE", "norge": "NO",
    "danmark": "DK", "suomi": "FI", "polska": "PL", "cesko": "CZ", "ceska republika": "CZ",
    "magyarorszag": "HU", "ellada": "GR", "eire": "IE", "letzebuerg": "LU", "eesti": "EE", "latvija": "LV",
    "lietuva": "LT", "hrvatska": "HR", "slovenija": "SI", "slovensko": "SK", "nippon": "JP", "nihon": "JP",
    "zhongguo": "CN", "rossiya": "RU", "ukraina": "UA", "brasil": "BR", "mexique": "MX",
}


def english_name(alpha2: str) -> str:
    """The English short name of a country (the common name where iso-codes gives one).

    >>> english_name("TW"), english_name("NL"), english_name("KR")
    ('Taiwan', 'Netherlands', 'South Korea')
    """
    c = pycountry.countries.get(alpha_2=alpha2)
    if c is None:
        return alpha2
    return str(getattr(c, "common_name", None) or c.name)


@lru_cache(maxsize=4)
def country_names(fold: Callable[[str], str]) -> dict[str, str]:
    """Folded name -> alpha-2 for every country (English, official and common names, the translations of
    :data:`LANGUAGES`, :data:`ALIASES`), and ``"\\0" + alpha-3`` -> alpha-2."""
    names: dict[str, str] = {}
    translations = []
    for lang in LANGUAGES:
        try:
            translations.append(gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang]))
        except OSError:  # pragma: no cover - a language iso-codes does not ship
            continue
    english = [(c, [t for t in (c.name, getattr(c, "official_name", None), getattr(c, "common_name", None))
                    if t]) for c in pycountry.countries]
    for c, texts in english:  # English first: a translation never hides an English name
        names[f"\0{c.alpha_3}"] = c.alpha_2
        for text in texts:
            names.setdefault(fold(text), c.alpha_2)
            if ", " in text:  # "Korea, Republic of" -> also "Republic of Korea"
                head, tail = text.split(", ", 1)
                names.setdefault(fold(f"{tail} {head}"), c.alpha_2)
    for tr in translations:
        for c, texts in english:
            for text in texts:
                names.setdefault(fold(tr.gettext(text)), c.alpha_2)
    names.update(ALIASES)
    names.pop("", None)
    return names
