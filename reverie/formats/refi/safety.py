"""Parse untrusted REFI-QDA XML so that a hostile file is refused whole, never half read.

XML carrying a DOCTYPE or an ENTITY declaration (billion laughs, external entities) is refused:
QDA-XML needs neither. The archive around it (names, sizes, zip bombs) is checked by
:mod:`reverie.formats.archives` before any of it is read. Every refusal raises
:class:`~reverie.core.errors.InvalidInput` naming the file and the reason.
"""

from __future__ import annotations

import re

from lxml import etree

from reverie.core.errors import InvalidInput

# A DOCTYPE may only sit before the root element, but an ENTITY declaration can only live
# inside one; looking for either anywhere is cheap and catches both.
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers are not safe to share between threads.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse_xml(data: bytes, where: str) -> etree._Element:
    """Parse XML from an untrusted file and return its root; ``where`` names it in errors.

    A byte-order mark is allowed (QualCoder writes one). UTF-16 input is decoded before the
    declaration check so the check cannot be dodged by re-encoding.
    """
    probe = data
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        probe = data.decode("utf-16", errors="replace").encode("utf-8")
    match = _DECLARATION.search(probe)
    if match:
        kind = match.group(1).decode().upper()
        raise InvalidInput(
            f"Refused {where}: the XML contains a {kind} declaration; REFI-QDA files never "
            "need one, and it is how entity-expansion and external-entity attacks work."
        )
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as error:
        raise InvalidInput(f"Refused {where}: it is not well-formed XML ({error}).") from None
    if root.getroottree().docinfo.doctype:
        raise InvalidInput(f"Refused {where}: the XML contains a DOCTYPE declaration.")
    return root
