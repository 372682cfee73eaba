"""The grammars of URI-like formats (RFC 3986 URIs, RFC 3987 IRIs, RFC 6570 templates) and host name labels.

:mod:`cdpctl.formats` uses these: ``uri`` is a plan format (its pattern is
ECMA-262 and Python alike); ``uri-reference``, ``iri``, ``iri-reference`` and
``uri-template`` are checked in raw ``json_schema:`` blocks.  Host names follow
RFC 1123; a label with ``--`` in its third and fourth places is reserved
(RFC 5891) unless it is an A-label (``xn--``) that decodes to a valid IDNA2008
label.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4 = rf"({_OCTET}\.){{3}}{_OCTET}"
_H16 = r"[0-9A-Fa-f]{1,4}"
_LS32 = rf"({_H16}:{_H16}|{_IPV4})"
IPV6 = (
    rf"(({_H16}:){{6}}{_LS32}|::({_H16}:){{5}}{_LS32}|({_H16})?::({_H16}:){{4}}{_LS32}"
    rf"|(({_H16}:){{0,1}}{_H16})?::({_H16}:){{3}}{_LS32}|(({_H16}:){{0,2}}{_H16})?::({_H16}:){{2}}{_LS32}"
    rf"|(({_H16}:){{0,3}}{_H16})?::{_H16}:{_LS32}|(({_H16}:){{0,4}}{_H16})?::{_LS32}"
    rf"|(({_H16}:){{0,5}}{_H16})?::{_H16}|(({_H16}:){{0,6}}{_H16})?::)"
)
"""RFC 3986 ``IPv6address`` (embedded IPv4 included)."""
IPV4 = _IPV4

_UCSCHAR = (
    "\xa0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef\U00010000-\U0001fffd\U00020000-\U0002fffd\U00030000-\U0003fffd"
    "\U00040000-\U0004fffd\U00050000-\U0005fffd\U00060000-\U0006fffd\U00070000-\U0007fffd\U00080000-\U0008fffd"
    "\U00090000-\U0009fffd\U000a0000-\U000afffd\U000b0000-\U000bfffd\U000c0000-\U000cfffd\U000d0000-\U000dfffd"
    "\U000e1000-\U000efffd"
)
_IPRIVATE = "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"


def _grammar(unreserved: str, private: str) -> tuple[str, str]:
    """``(absolute, relative)``: RFC 3986 ``URI`` and ``relative-ref`` over the given unreserved characters
    (RFC 3987 adds ``ucschar`` to them, and ``iprivate`` to queries)."""
    pct = r"%[0-9A-Fa-f]{2}"
    sub = r"!$&'()*+,;="
    pchar = rf"([{unreserved}{sub}:@]|{pct})"
    userinfo = rf"([{unreserved}{sub}:]|{pct})*"
    literal = rf"\[({IPV6}|[vV][0-9A-Fa-f]+\.[{unreserved}{sub}:]+)\]"
    host = rf"({literal}|{_IPV4}|([{unreserved}{sub}]|{pct})*)"
    authority = rf"({userinfo}@)?{host}(:[0-9]*)?"
    abempty = rf"(/{pchar}*)*"
    absolute = rf"/({pchar}+(/{pchar}*)*)?"
    rootless = rf"{pchar}+(/{pchar}*)*"
    noscheme = rf"([{unreserved}{sub}@]|{pct})+(/{pchar}*)*"
    query = rf"({pchar}|[/?{private}])*"
    fragment = rf"({pchar}|[/?])*"
    tail = rf"(\?{query})?(#{fragment})?"
    whole = rf"[A-Za-z][A-Za-z0-9+.-]*:(//{authority}{abempty}|{absolute}|{rootless})?{tail}"
    relative = rf"(//{authority}{abempty}|{absolute}|{noscheme})?{tail}"
    return whole, relative


URI, _RELATIVE = _grammar(r"A-Za-z0-9._~\-", "")
"""RFC 3986 ``URI`` (plain ASCII: a pattern ECMA-262 reads as Python does)."""
_IRI, _IRELATIVE = _grammar(r"A-Za-z0-9._~\-" + _UCSCHAR, _IPRIVATE)

_VARCHAR = r"([A-Za-z0-9_]|%[0-9A-Fa-f]{2})"
_VARSPEC = rf"{_VARCHAR}(\.?{_VARCHAR})*(:[1-9][0-9]{{0,3}}|\*)?"
_LITERAL = rf"[\x21\x23\x24\x26-\x3b\x3d\x3f-\x5b\x5d\x5f\x61-\x7a\x7e{_UCSCHAR}{_IPRIVATE}]|%[0-9A-Fa-f]{{2}}"
_TEMPLATE = rf"({_LITERAL}|\{{[+#./;?&=,!@|]?{_VARSPEC}(,{_VARSPEC})*\}})*"
"""RFC 6570 ``URI-Template`` (every level)."""


def _whole(pattern: str) -> Callable[[str], bool]:
    """A check that ``pattern`` matches the whole value (compiled on first use: start-up time)."""
    compiled: list[re.Pattern[str]] = []

    def check(value: str) -> bool:
        if not compiled:
            compiled.append(re.compile(pattern))
        return compiled[0].fullmatch(value) is not None

    return check


URI_CHECKS: dict[str, Callable[[str], bool]] = {
    "uri-reference": _whole(rf"{URI}|{_RELATIVE}"),
    "uri-template": _whole(_TEMPLATE),
}
IRI_CHECKS: dict[str, Callable[[str], bool]] = {
    "iri": _whole(_IRI),
    "iri-reference": _whole(rf"{_IRI}|{_IRELATIVE}"),
    "idn-hostname": lambda value: idn_hostname_ok(value),
    "idn-email": lambda value: idn_email_ok(value),
}


def hostname_labels_ok(host: str) -> bool:
    """What a host name's pattern cannot say: a label with ``--`` in its third and fourth places must be
    a valid A-label (RFC 5890: ``xn--`` and Punycode that decodes to a valid IDNA2008 label)."""
    if "--" not in host:
        return True
    for label in host.split("."):
        if label[2:4] != "--":
            continue
        if label[:2].lower() != "xn":
            return False
        import idna

        try:
            if not a_label_round_trips(label):
                return False
        except (idna.IDNAError, UnicodeError, ValueError):
            return False
    return True


def a_label_round_trips(label: str) -> bool:
    """An A-label decodes from Punycode to a U-label that encodes back to the very same A-label (RFC 5891
    section 5.4); raises ``idna.IDNAError`` where it does not decode at all."""
    import idna

    lowered = label.lower()
    return bool(idna.encode(idna.decode(lowered)).decode("ascii") == lowered)


_SEPARATORS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
"""Full stops that separate labels of an internationalized host name (RFC 3490 section 3.1)."""


def idn_hostname_ok(host: str) -> bool:
    """An internationalized host name (RFC 5890): IDNA2008 labels (contextual rules included), the Bidi rule
    of RFC 5893 on every label of a name with a right-to-left label, at most 253 octets as A-labels."""
    import idna

    host = host.translate(_SEPARATORS)
    if not host or host.endswith("."):
        return False
    try:
        idna.encode(host, uts46=False)
        labels = host.split(".")
        if not all(a_label_round_trips(label) for label in labels if label[:4].lower() == "xn--"):
            return False
        if any(idna.check_bidi(label) and _right_to_left(label) for label in labels):
            return all(idna.check_bidi(label, check_ltr=True) for label in labels)
    except (idna.IDNAError, UnicodeError, ValueError):
        return False
    return True


def _right_to_left(label: str) -> bool:
    import unicodedata

    return any(unicodedata.bidirectional(char) in ("R", "AL", "AN") for char in label)


_UTEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\x80-\U0010ffff]"
_IDN_LOCAL = _whole(rf"{_UTEXT}+(\.{_UTEXT}+)*|\"([ !#-\[\]-~\x80-\U0010ffff]|\\[ -~])*\"")
_LITERAL_DOMAIN = _whole(rf"\[({_IPV4}|IPv6:{IPV6})\]")


def idn_email_ok(value: str) -> bool:
    """An internationalized mailbox (RFC 6531): a UTF-8 dot-atom or quoted local part, ``@``, an
    internationalized host name (read in Unicode NFC, as RFC 6531 mail is) or an address literal."""
    import unicodedata

    local, at, domain = value.rpartition("@")
    if not at or not _IDN_LOCAL(local):
        return False
    return _LITERAL_DOMAIN(domain) or idn_hostname_ok(unicodedata.normalize("NFC", domain))
