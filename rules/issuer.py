"""Who issues a document, and what its header and signature say (issues 12 and 15).

A report of a people's committee (UBND) and one of a department (Sở Y tế) do not look
alike (Nghị định 30/2020/NĐ-CP): the committee's header is "ỦY BAN NHÂN DÂN / TỈNH BẮC
NINH", its number "…/BC-UBND" and it signs "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH"; a
department's header names the committee above it ("UBND TỈNH BẮC NINH / SỞ Y TẾ"), its
number carries its own initials ("…/BC-SYT") and its director signs ("KT. GIÁM ĐỐC").

Pure functions over the plan's `issued_by` and the places of the tree: the words for
the unit (tỉnh, huyện, xã, phường…) always come from the data, never from here. The
writers turn the roles below into words through the catalogue.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# How an issuing body is written when it is a people's committee (compared lower-case).
COMMITTEE_PREFIXES = ("ubnd ", "ủy ban nhân dân ", "uỷ ban nhân dân ")
# The first word of a body under a committee -> the title of its head (who signs).
HEAD_BY_FIRST_WORD = {"sở": "director", "phòng": "head_office", "ban": "head_board", "chi cục": "head_branch"}
# Words an abbreviation leaves out ("Sở Lao động - Thương binh và Xã hội" -> SLĐTBXH).
NOT_IN_INITIALS = {"và", "-", "–", "&"}


@dataclass(frozen=True)
class IssuingBody:
    """The body a document is issued by.

    kind: "committee" (a people's committee) or "body" (a department, office or board
    under one); `written` is the plan's `issued_by` as written (None: the area's own
    committee); `body` the body's own name without its unit ("Sở Y tế"; "" for a
    committee); `unit` the administrative unit it belongs to ("tỉnh Bắc Ninh");
    `abbreviation` what follows "BC-" in the number; `head` the title of who signs.
    """

    kind: str
    written: str | None
    body: str
    unit: str
    abbreviation: str
    head: str  # chair | director | head_office | head_board | head_branch | signer

    @property
    def is_committee(self) -> bool:
        return self.kind == "committee"


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


def unit_label(unit_type: str | None, name: str) -> str:
    """'tỉnh Bắc Ninh', 'thị trấn Thắng' — the unit's word from the tree and its name."""
    kind = (unit_type or "").strip()
    if kind and name.lower().startswith(kind.lower() + " "):
        return name[:1].lower() + name[1:]
    return f"{kind} {name}".strip()


def initials(text: str) -> str:
    """'Sở Y tế' -> 'SYT'; 'Sở Lao động - Thương binh và Xã hội' -> 'SLĐTBXH'."""
    words = [w for w in re.split(r"[\s,]+", text) if w and w.lower() not in NOT_IN_INITIALS]
    return "".join(w[0].upper() for w in words if w[0].isalpha())


def issuing_body(issued_by: str | None, places: Sequence[tuple[str | None, str]]) -> IssuingBody:
    """The issuing body of a plan.

    `places` are the plan's area and the units above it, nearest first, each as
    (unit type from the tree, name): `[("huyện", "Sơn Động"), ("tỉnh", "Bắc Giang")]`.
    Without `issued_by`, the area's own people's committee issues the document.
    """
    area_type, area_name = places[0] if places else (None, "")
    if not issued_by or not issued_by.strip():
        return IssuingBody("committee", None, "", unit_label(area_type, area_name), "UBND", "chair")
    text = _nfc(issued_by)
    low = text.lower()
    for prefix in COMMITTEE_PREFIXES:
        if low.startswith(prefix):
            return IssuingBody("committee", text, "", text[len(prefix) :].strip(), "UBND", "chair")
    body, unit = _split_unit(text, places)
    first = body.split(" ", 1)[0].lower()
    head = HEAD_BY_FIRST_WORD.get(first) or HEAD_BY_FIRST_WORD.get(" ".join(body.lower().split()[:2]), "signer")
    return IssuingBody("body", text, body, unit, initials(body) or "UBND", head)


def _split_unit(text: str, places: Sequence[tuple[str | None, str]]) -> tuple[str, str]:
    """'Sở Y tế tỉnh Bắc Ninh' -> ('Sở Y tế', 'tỉnh Bắc Ninh'): the unit is the first of
    `places` whose name the text ends with (with its word, 'tỉnh', when written)."""
    low = text.lower()
    for unit_type, name in places:
        name = _nfc(name)
        if not name or not low.endswith(name.lower()):
            continue
        start = len(text) - len(name)
        kind = _nfc(unit_type or "")
        if kind and low[:start].rstrip().endswith(kind.lower()):
            start = low[:start].rstrip().rfind(kind.lower())
        body = text[:start].strip(" ,")
        if body:
            return body, unit_label(unit_type, text[start:].strip())
    # The text names no unit of the tree: the body belongs to the area.
    area_type, area_name = places[0] if places else (None, "")
    return text, unit_label(area_type, area_name)


def signature_roles(body: IssuingBody) -> tuple[str, ...]:
    """The lines above the signer's name, as roles the catalogue words
    (`reports_sign_<role>`): a committee signs on behalf of itself, for its chair; a
    department for its director."""
    if body.is_committee:
        return ("on_behalf_committee", "for_chair", "vice_chair")
    if body.head == "signer":
        return ("signer",)
    return (f"for_{body.head}", f"vice_{body.head}")


def unit_types_phrase(types: Iterable[str | None]) -> str:
    """'xã, thị trấn' — the kinds of units present, most frequent first (ties by name)."""
    counts = Counter(t.strip() for t in types if t and t.strip())
    return ", ".join(k for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
