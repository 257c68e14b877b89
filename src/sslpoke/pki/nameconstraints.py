"""RFC 5280 name constraints (section 4.2.1.10), with a work budget.

A CA may say "I only issue for these names" (permitted) or "never for these"
(excluded). Each constraint in a path is checked against every name in every
certificate below it. Pathological certificates carry thousands of both, so
the number of comparisons is budgeted and a path over budget is rejected.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509

from sslpoke.pki.certs import Cert, name_key
from sslpoke.pki.hostname import is_valid_dns_name

#: Comparisons allowed per path before it is rejected as a denial-of-service attempt.
BUDGET = 1 << 17

IpNet = ipaddress.IPv4Network | ipaddress.IPv6Network


class NameConstraintError(Exception):
    """A name falls outside what a CA allowed; ``str()`` says which."""


@dataclass
class Budget:
    left: int = BUDGET

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise NameConstraintError(
                "too many name-constraint comparisons (over "
                f"{BUDGET}); rejected as a possible denial-of-service certificate"
            )


@dataclass
class Subtrees:
    dns: list[str] = field(default_factory=list)
    ip: list[IpNet] = field(default_factory=list)
    email: list[str] = field(default_factory=list)
    dir: list[tuple[Any, ...]] = field(default_factory=list)
    uri: list[str] = field(default_factory=list)
    other: set[str] = field(default_factory=set)  # kinds we cannot evaluate

    def size(self) -> int:
        return len(self.dns) + len(self.ip) + len(self.email) + len(self.dir) + len(self.uri)


def _subtrees(
    names: list[x509.GeneralName] | None, what: str, java: bool = False
) -> Subtrees | None:
    if names is None:
        return None
    out = Subtrees()
    for gn in names:
        if isinstance(gn, x509.DNSName):
            value = gn.value.lower()
            if value and not java and not is_valid_dns_name(value):
                raise NameConstraintError(f"malformed {what} dNSName constraint {gn.value!r}")
            out.dns.append(value.rstrip("."))
        elif isinstance(gn, x509.IPAddress):
            if not isinstance(gn.value, IpNet):
                raise NameConstraintError(f"malformed {what} iPAddress constraint")
            out.ip.append(gn.value)
        elif isinstance(gn, x509.RFC822Name):
            out.email.append(gn.value)
        elif isinstance(gn, x509.DirectoryName):
            out.dir.append(name_key(gn.value))
        elif isinstance(gn, x509.UniformResourceIdentifier):
            out.uri.append(gn.value.lower())
        else:
            out.other.add(type(gn).__name__)
    return out


def parse(
    nc: x509.NameConstraints, *, java: bool = False
) -> tuple[Subtrees | None, Subtrees | None]:
    """Split a NameConstraints extension; raises on forms RFC 5280 forbids.

    ``java``: as Java reads them, which takes an empty extension as no constraint
    and a dNSName constraint as a plain string.
    """
    permitted = _subtrees(nc.permitted_subtrees, "permitted", java)
    excluded = _subtrees(nc.excluded_subtrees, "excluded", java)
    empty_p = permitted is None or (permitted.size() == 0 and not permitted.other)
    empty_e = excluded is None or (excluded.size() == 0 and not excluded.other)
    if empty_p and empty_e and not java:
        raise NameConstraintError("name constraints extension with no subtrees")
    return permitted, excluded


# --- matching -------------------------------------------------------------------


def dns_within(name: str, base: str) -> bool:
    return base == "" or name == base or name.endswith("." + base)


def _wildcard_within(pattern_base: str, base: str) -> bool:
    """Every name ``*.pattern_base`` can match lies inside ``base``."""
    return dns_within(pattern_base, base)


def _wildcard_touches(pattern_base: str, base: str) -> bool:
    """Some name ``*.pattern_base`` can match lies inside ``base``."""
    if dns_within(pattern_base, base):
        return True
    return base.endswith("." + pattern_base) and base.count(".") == pattern_base.count(".") + 1


def email_within(address: str, base: str) -> bool:
    local, at, domain = address.rpartition("@")
    if not at:
        return False
    domain = domain.lower()
    if "@" in base:
        b_local, _, b_domain = base.rpartition("@")
        return local == b_local and domain == b_domain.lower()
    base = base.lower()
    if base.startswith("."):
        return domain.endswith(base)
    return domain == base


def uri_within(uri: str, base: str) -> bool:
    host = (urlsplit(uri).hostname or "").lower()
    if not host:
        return False
    if base.startswith("."):
        return host.endswith(base)
    return host == base


def dir_within(name: tuple[Any, ...], base: tuple[Any, ...]) -> bool:
    return len(base) <= len(name) and name[: len(base)] == base


# What Java's DNSName accepts: dot-separated labels of letters, digits and hyphens.
_JAVA_DNS = re.compile(
    r"(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?"
)


@dataclass
class Names:
    """Every name of one certificate that constraints apply to."""

    dns: list[str]
    ip: list[Any]
    email: list[str]
    dir: list[tuple[Any, ...]]
    uri: list[str]
    other: set[str]

    @classmethod
    def of(cls, cert: Cert, *, java_cn: bool = False) -> Names:
        """``java_cn``: Java also checks the last common name, as a DNS name (or IP
        address) when the SAN holds none of that kind (NameConstraintsExtension.verify)."""
        san = cert.san
        dns: list[str] = []
        ips: list[Any] = []
        emails: list[str] = []
        dirs: list[tuple[Any, ...]] = []
        uris: list[str] = []
        other: set[str] = set()
        for gn in san or ():
            if isinstance(gn, x509.DNSName):
                dns.append(gn.value.lower().rstrip("."))
            elif isinstance(gn, x509.IPAddress):
                ips.append(gn.value)
            elif isinstance(gn, x509.RFC822Name):
                emails.append(gn.value)
            elif isinstance(gn, x509.DirectoryName):
                dirs.append(name_key(gn.value))
            elif isinstance(gn, x509.UniformResourceIdentifier):
                uris.append(gn.value)
            else:
                other.add(type(gn).__name__)
        if cert.subject.rdns:
            dirs.append(cert.subject_key)
        if java_cn and cert.common_names:
            cn = cert.common_names[-1]
            try:
                ips_from_cn = [ipaddress.ip_address(cn)]
            except ValueError:
                ips_from_cn = []
            if ips_from_cn:
                if not ips:
                    ips.extend(ips_from_cn)
            elif not dns and _JAVA_DNS.fullmatch(cn):
                dns.append(cn.lower().rstrip("."))
        return cls(dns, ips, emails, dirs, uris, other)

    def count(self) -> int:
        return len(self.dns) + len(self.ip) + len(self.email) + len(self.dir) + len(self.uri)


def check(
    names: Names,
    permitted: Subtrees | None,
    excluded: Subtrees | None,
    budget: Budget,
    *,
    java: bool = False,
) -> None:
    """Raise :class:`NameConstraintError` if any name breaks the constraints.

    ``java``: Java's rules (sun.security.x509.DNSName and IPAddressName): a DNS
    name is compared as a string, so a wildcard is just a label ``*`` and a
    malformed name is not refused; an iPAddress SAN that holds a network counts
    as that network.
    """
    if java:
        _check_java(names, permitted, excluded)
        names = Names([], [], names.email, names.dir, names.uri, names.other)
    budget.spend(
        names.count()
        * ((permitted.size() if permitted else 0) + (excluded.size() if excluded else 0))
    )
    for kind in names.other:
        if (permitted and kind in permitted.other) or (excluded and kind in excluded.other):
            raise NameConstraintError(
                f"a {kind} name is constrained in a way sslpoke cannot evaluate"
            )

    for dns in names.dns:
        if not is_valid_dns_name(dns, wildcard_ok=True):
            raise NameConstraintError(f"malformed dNSName {dns!r} under name constraints")
        wildcard = dns.startswith("*.")
        base = dns[2:] if wildcard else dns
        if excluded and any(
            (_wildcard_touches(base, e) if wildcard else dns_within(dns, e)) for e in excluded.dns
        ):
            raise NameConstraintError(f"{dns} is excluded by a name constraint")
        if (
            permitted
            and permitted.dns
            and not any(
                (_wildcard_within(base, p) if wildcard else dns_within(dns, p))
                for p in permitted.dns
            )
        ):
            raise NameConstraintError(
                f"{dns} is outside the permitted names ({', '.join(permitted.dns[:4])})"
            )

    for ip in names.ip:
        if not isinstance(ip, ipaddress.IPv4Address | ipaddress.IPv6Address):
            raise NameConstraintError(f"malformed iPAddress {ip} under name constraints")
        if excluded and any(ip.version == n.version and ip in n for n in excluded.ip):
            raise NameConstraintError(f"{ip} is excluded by a name constraint")
        if (
            permitted
            and permitted.ip
            and not any(ip.version == n.version and ip in n for n in permitted.ip)
        ):
            raise NameConstraintError(f"{ip} is outside the permitted addresses")

    for email in names.email:
        if excluded and any(email_within(email, e) for e in excluded.email):
            raise NameConstraintError(f"{email} is excluded by a name constraint")
        if (
            permitted
            and permitted.email
            and not any(email_within(email, p) for p in permitted.email)
        ):
            raise NameConstraintError(f"{email} is outside the permitted mailboxes")

    for uri in names.uri:
        if excluded and any(uri_within(uri, e) for e in excluded.uri):
            raise NameConstraintError(f"{uri} is excluded by a name constraint")
        if permitted and permitted.uri and not any(uri_within(uri, p) for p in permitted.uri):
            raise NameConstraintError(f"{uri} is outside the permitted URIs")

    for dn in names.dir:
        if excluded and any(dir_within(dn, e) for e in excluded.dir):
            raise NameConstraintError("a directory name is excluded by a name constraint")
        if permitted and permitted.dir and not any(dir_within(dn, p) for p in permitted.dir):
            raise NameConstraintError("a directory name is outside the permitted subtrees")


def _check_java(names: Names, permitted: Subtrees | None, excluded: Subtrees | None) -> None:
    for dns in names.dns:
        if excluded and any(dns_within(dns, e) for e in excluded.dns):
            raise NameConstraintError(f"{dns} is excluded by a name constraint")
        if permitted and permitted.dns and not any(dns_within(dns, p) for p in permitted.dns):
            raise NameConstraintError(
                f"{dns} is outside the permitted names ({', '.join(permitted.dns[:4])})"
            )
    for ip in names.ip:
        net = ipaddress.ip_network(ip) if not isinstance(ip, IpNet) else ip

        def inside(base: Any, net: Any = net) -> bool:
            return bool(net.version == base.version and net.subnet_of(base))

        if excluded and any(inside(n) for n in excluded.ip):
            raise NameConstraintError(f"{ip} is excluded by a name constraint")
        if permitted and permitted.ip and not any(inside(n) for n in permitted.ip):
            raise NameConstraintError(f"{ip} is outside the permitted addresses")
