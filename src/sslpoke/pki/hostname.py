"""Does a certificate belong to the name we connected to?

Kept apart from transport and from path building, as pyca/service-identity does.
Two rule sets, because Java and browsers disagree in ways that matter:

* ``webpki`` (RFC 6125 as browsers apply it): only subjectAltName counts; a
  wildcard is the whole left-most label and matches exactly one label; never at
  a public suffix; names must be valid LDH host names.
* ``java`` (``sun.security.util.HostnameChecker``, TLS mode): subjectAltName DNS
  entries if any exist, otherwise the most specific CN; ``*`` may appear in any
  label and match part of it; the public-suffix check only applies to chains
  ending at a root from the JDK's own ``cacerts``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import NamedTuple

from sslpoke.pki.certs import Cert

_LDH_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


class NameCheck(NamedTuple):
    ok: bool
    detail: str  # why not, in the words Java uses where it has some
    missing_san: bool = False


def parse_ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return None


def _is_public_suffix(domain: str, *, include_private: bool = True) -> bool:
    from sslpoke.pki import publicsuffix  # read only when a wildcard is met

    return publicsuffix.is_public_suffix(domain, include_private=include_private)


def is_valid_dns_name(name: str, *, wildcard_ok: bool = False) -> bool:
    """RFC 1034 preferred syntax (letters, digits, hyphens), optional ``*.`` prefix."""
    name = name.lower().rstrip(".")
    if not name or len(name) > 253:
        return False
    labels = name.split(".")
    if wildcard_ok and labels[0] == "*" and len(labels) > 1:
        labels = labels[1:]
    return all(_LDH_LABEL.match(label) for label in labels)


def _sans(cert: Cert) -> str:
    shown = [*cert.san_dns, *cert.san_ips][:6]
    extra = len(cert.san_dns) + len(cert.san_ips) - len(shown)
    return ", ".join(shown) + (f" and {extra} more" if extra > 0 else "")


# --- webpki ------------------------------------------------------------------


def webpki_dns_match(pattern: str, name: str) -> bool:
    pattern = pattern.lower().rstrip(".")
    name = name.lower().rstrip(".")
    if not is_valid_dns_name(pattern, wildcard_ok=True) or not is_valid_dns_name(name):
        return False
    if pattern.startswith("*."):
        base = pattern[2:]
        if "." not in base or _is_public_suffix(base):
            return False
        head, _, rest = name.partition(".")
        return bool(head) and rest == base
    return pattern == name


def check_webpki(cert: Cert, name: str) -> NameCheck:
    ip = parse_ip(name)
    if cert.san is None:
        return NameCheck(
            False,
            "the certificate has no subjectAltName extension; browsers and most clients "
            "ignore the CN",
            missing_san=True,
        )
    if ip is not None:
        if any(parse_ip(v) == ip for v in cert.san_ips):
            return NameCheck(True, "")
        return NameCheck(
            False, f"no subjectAltName IP address matches {ip} (it has: {_sans(cert)})"
        )
    if any(webpki_dns_match(p, name) for p in cert.san_dns):
        return NameCheck(True, "")
    return NameCheck(False, f"no subjectAltName matches {name} (it has: {_sans(cert) or 'none'})")


# --- java ----------------------------------------------------------------------


def _java_illegal_wildcard(template: str, public_anchor: Callable[[], bool]) -> bool:
    if template in ("*", "*."):
        return True
    star = template.rfind("*")
    if star < 0:
        return False
    after = template[star:]
    dot = after.find(".")
    if dot < 0:
        return True
    if not public_anchor():
        return False
    wildcarded = after[dot + 1 :]
    return _is_public_suffix(wildcarded, include_private=False)


def _java_label_match(label: str, pattern: str) -> bool:
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, label) is not None


def _java_unicode(name: str) -> str | None:
    """``IDN.toUnicode(IDN.toASCII(name))`` as Java's HostnameChecker normalises names.

    Java's java.net.IDN is IDNA2003, as Python's ``encodings.idna``; Java also
    refuses code points unassigned in Unicode 3.2 (AllowUnassigned off), where
    its toUnicode then leaves an A-label as it is. None: toASCII throws.
    """
    if name.isascii() and "xn--" not in name.lower():  # the common case needs no codec
        return name.lower()
    import unicodedata
    from encodings import idna

    labels = []
    for label in name.split("."):
        if label.isascii():
            if label.lower().startswith("xn--"):
                try:
                    decoded = idna.ToUnicode(label)
                except UnicodeError:
                    decoded = label
                if any(unicodedata.ucd_3_2_0.category(ch) == "Cn" for ch in decoded):
                    decoded = label
                label = decoded
        else:
            try:
                idna.ToASCII(label)
            except UnicodeError:
                return None
        labels.append(label.lower())
    return ".".join(labels)


def _java_sni_name_ok(host: str) -> bool:
    """Would ``new SNIHostName(host)`` accept it (IDN.toASCII with STD3 rules)?"""
    for label in host.split("."):
        if not label or label.startswith("-") or label.endswith("-"):
            return False
        if label.isascii():
            if not all(ch.isalnum() or ch == "-" for ch in label) or len(label) > 63:
                return False
        else:
            from encodings import idna  # only U-labels need the codec (an import)

            try:
                idna.ToASCII(label)
            except UnicodeError:
                return False
    return True


def java_dns_match(
    name: str, template: str, *, public_anchor: Callable[[], bool], leftmost_only: bool = False
) -> bool:
    """``leftmost_only``: a wildcard counts only in the first label (Java 25; 17 takes any)."""
    unicode_name = _java_unicode(name.rstrip("."))
    unicode_template = _java_unicode(template.rstrip("."))
    if unicode_name is None or unicode_template is None:
        return False
    name, template = unicode_name, unicode_template
    if _java_illegal_wildcard(template, public_anchor):
        return False
    if not _java_sni_name_ok(template.replace("*", "z")):
        return False
    names, patterns = name.split("."), template.split(".")
    if leftmost_only and any("*" in p for p in patterns[1:]):
        return False
    if len(names) != len(patterns):
        return False
    return all(_java_label_match(n, p) for n, p in zip(names, patterns, strict=True))


def check_java(
    cert: Cert,
    name: str,
    *,
    public_anchor: Callable[[], bool] = lambda: False,
    version: tuple[int, ...] = (17,),
) -> NameCheck:
    """``public_anchor`` is asked only for wildcard names: does the chain end at a JDK root?

    ``version``: the Java whose HostnameChecker to follow. Java 25 (measured on
    25.0.3) takes a wildcard only in the leftmost label and fails outright when
    the SAN extension cannot be parsed; Java 17 ignores such a SAN and uses the CN.
    """
    if version >= (25,) and any(u.oid == "2.5.29.17" for u in cert.unparsed_extensions):
        return NameCheck(
            False, "the subjectAltName extension cannot be parsed (Java 25: not enough content)"
        )
    leftmost = version >= (25,)
    ip = parse_ip(name)
    if ip is not None:
        if cert.san is None:
            return NameCheck(False, "No subject alternative names present", missing_san=True)
        if any(parse_ip(v) == ip for v in cert.san_ips):
            return NameCheck(True, "")
        return NameCheck(False, f"No subject alternative names matching IP address {ip} found")
    if cert.san_dns:
        if any(
            java_dns_match(name, p, public_anchor=public_anchor, leftmost_only=leftmost)
            for p in cert.san_dns
        ):
            return NameCheck(True, "")
        return NameCheck(False, f"No subject alternative DNS name matching {name} found.")
    cns = cert.common_names
    if cns and java_dns_match(name, cns[-1], public_anchor=public_anchor, leftmost_only=leftmost):
        return NameCheck(True, "")
    return NameCheck(False, f"No name matching {name} found")
