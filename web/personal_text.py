"""Finding personal data in free text (summaries, notes, agreed terms) for web/auth.mask_personal.

Numbers. A phone or id number is written many ways: 13811112222, 138 1111 2222, 138-1111-2222,
+86 138 1111 2222, 0086-138…, an id number ending in x or X. In a run of 10 to 18 digits (single
spaces or dashes between them, an optional X/x at the end, not glued to more digits), the widest
stretch of its groups that, written plainly and without a leading 86 / 0086, is one of the
answer's phones or id numbers, or has the shape of one, is masked: a mobile (1[3-9] and 9
digits), an id number (17 digits and a digit or X), a number with an area code (0 and 9 to 11
digits). Dates, amounts, case and archive numbers have none of these shapes and stay as they are;
a phone or id number of another shape (a 7-digit local number) is masked where it is written as
in its field.

One-character names. A party recorded as 王 cannot be masked wherever the character appears:
王 is also inside 王府井, 国王, 王牌. It is masked in free text only where it stands as a name:
- alone: with no CJK character, letter or digit on either side ("当事人：王，男");
- after 老, 小 or 阿 ("老王说", "小王");
- before a form of address or 某 ("王某", "王先生", "王师傅", "王大爷").
So "王同意赔偿" keeps its 王 (it cannot be told from a word without a dictionary) and "小王子"
loses it (a rare false positive, and over-masking is the safe side).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

#: A written number: 10 to 18 digits with single spaces or dashes between, perhaps an X at the
#: end (a shorter secret, a 7-digit local phone, is found as written), not glued to more digits.
#: It starts with a digit so that the regex engine skips fast to the digits of a text (the look-
#: behind comes second, or it would be tried at every character). Dates and amounts are too short
#: to be looked at.
_NUMBER = re.compile(r"\d(?<!\d\d)(?:[ -]?\d){9,17}(?:[ -]?[Xx])?(?!\d)")
_SHAPES = re.compile(r"1[3-9]\d{9}|\d{17}[\dX]|0\d{9,11}")
_SEPARATORS = str.maketrans("", "", " -")
_PREFIXES = ("+86", "＋86", "0086")
_GROUPS = re.compile(r"([ -])")

_CJK = "\u3400-\u9fff\uf900-\ufaff"
_WORD = f"[{_CJK}0-9A-Za-z*]"  # the * of a name masked before keeps its neighbour a word
_BEFORE = "老小阿"
_ADDRESS = "先生|女士|小姐|师傅|老师|同志|大爷|大妈|大娘|大叔|大哥|大姐|阿姨|奶奶|爷爷|某|哥|姐|叔|婶|伯|总"


def plain_number(written: str) -> str:
    """A phone or id number as digits only (X upper-case), without +86 / 0086 or separators."""
    plain = written.translate(_SEPARATORS).upper()
    for prefix in _PREFIXES:
        if plain.startswith(prefix) and len(plain) > len(prefix) + 7:
            return plain[len(prefix) :]
    return plain


def number_masker(secrets: Iterable[str], stars: Callable[[str, int, int], str]) -> Callable[[str], str]:
    """A function masking, in one text, each written number that is one of ``secrets`` (phones
    and id numbers of the answer) or has the shape of a phone or id number."""
    known = frozenset(plain_number(s) for s in secrets)

    def personal(written: str) -> bool:
        plain = plain_number(written)
        for prefix in ("86", "0086"):  # +86138… written without a separator (the + is not a digit)
            if plain.startswith(prefix) and _SHAPES.fullmatch(plain[len(prefix) :]):
                return True
        return plain in known or _SHAPES.fullmatch(plain) is not None

    def groups(written: str) -> str:
        # A run may join a number to its neighbours ("2026 13811112222", "+86 138 1111 2222"):
        # the widest run of groups that is personal is masked, what follows is looked at again.
        tokens = _GROUPS.split(written)  # groups at even places, separators between
        count = len(tokens) // 2 + 1
        for i in range(count):
            for j in range(count, i, -1):
                part = "".join(tokens[2 * i : 2 * j - 1])
                if personal(part):
                    plain = plain_number(part)
                    rest = "".join(tokens[2 * j :])
                    return (
                        "".join(tokens[: 2 * i])
                        + stars(part, *((4, 4) if len(plain) >= 15 else (3, 4)))
                        + "".join(tokens[2 * j - 1 : 2 * j])
                        + (groups(rest) if rest else "")
                    )
        return written

    def mask(match: re.Match[str]) -> str:
        written = match.group(0)
        if " " not in written and "-" not in written and (written in known or _SHAPES.fullmatch(written)):
            return stars(written, *((4, 4) if len(written) >= 15 else (3, 4)))  # the usual case, fast
        return groups(written)

    def mask_numbers(text: str) -> str:
        return _NUMBER.sub(mask, text)

    return mask_numbers


def one_character_names(names: Iterable[str]) -> re.Pattern[str] | None:
    """A pattern matching each of the one-character ``names`` where it stands as a name (see
    the module's doc); replace each match by *."""
    chars = "".join(sorted({re.escape(n) for n in names if len(n) == 1}))
    if not chars:
        return None
    name = f"[{chars}]"
    return re.compile(f"(?<=[{_BEFORE}]){name}|{name}(?={_ADDRESS})|(?<!{_WORD}){name}(?!{_WORD})")
