"""The validation rules of one particular JVM, read from its own configuration.

Java's verdict depends on the Java: its version (JDK 16 dropped the legacy
elliptic curves; JDK 25's TLS client no longer accepts DSA or SHA-224
certificate signatures), its ``java.security`` (``jdk.certpath.disabledAlgorithms``,
``jdk.security.caDistrustPolicies``), a ``-Djava.security.properties=`` file
(``=`` adds to it, ``==`` replaces it) and ``-D`` system properties
(``jdk.security.allowNonCaAnchor``). :func:`read_rules` reads all of that for a
``java.home``; :func:`profile_for` turns it into the :class:`Profile` the
validator applies. Without a Java, the rules are Java 17.0.15's defaults.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from sslpoke.pki.policy import JAVA, Profile

MAX_SECURITY_FILE = 4 * 1024 * 1024  # a java.security is about 70 KB
MAX_INCLUDES = 8

#: Java 17.0.15's java.security values (measured on Debian's OpenJDK), used without a Java.
DEFAULT_CERTPATH_DISABLED = (
    "MD2, MD5, SHA1 jdkCA & usage TLSServer, RSA keySize < 1024, DSA keySize < 1024, "
    "EC keySize < 224, SHA1 usage SignedJAR & denyAfter 2019-01-01"
)
DEFAULT_DISTRUST = "SYMANTEC_TLS,ENTRUST_TLS,CAMERFIRMA_TLS"
NIST_CURVES = frozenset({"secp256r1", "secp384r1", "secp521r1"})
#: Curves SunEC implemented before JDK 16 (the "legacy" ones included), by SEC name.
LEGACY_CURVES = frozenset(
    {
        "secp192r1",
        "secp224r1",
        "secp256k1",
        "brainpoolP256r1",
        "brainpoolP384r1",
        "brainpoolP512r1",
        "sect163k1",
        "sect163r2",
        "sect233k1",
        "sect233r1",
        "sect283k1",
        "sect283r1",
        "sect409k1",
        "sect409r1",
        "sect571k1",
        "sect571r1",
    }
)


class JavaRules(NamedTuple):
    """What sslpoke read about one JVM's validation rules."""

    version: tuple[int, ...]  # (17, 0, 15); (8, 0, 402) for 1.8.0_402
    version_text: str
    vendor: str | None
    java_home: Path | None
    sources: tuple[str, ...]  # the files read, in order
    certpath_disabled: str
    ca_distrust: frozenset[str]
    allow_non_ca_anchor: bool
    unrecognized: tuple[str, ...] = ()  # disabledAlgorithms entries sslpoke does not model
    security: Mapping[str, str] = MappingProxyType({})  # java.security as this JVM merges it

    def describe(self) -> str:
        if self.java_home is None:
            return f"Java {self.version_text} defaults (no Java found to read its rules from)"
        vendor = f" ({self.vendor})" if self.vendor else ""
        return f"Java {self.version_text}{vendor} at {self.java_home}"


def parse_version(text: str) -> tuple[int, ...]:
    """``17.0.15`` -> (17, 0, 15); ``1.8.0_402`` -> (8, 0, 402)."""
    nums = [int(n) for n in re.findall(r"\d+", text)[:4]]
    if nums[:1] == [1] and len(nums) > 1:
        nums = nums[1:]
    return tuple(nums) or (17,)


def read_properties(text: str) -> dict[str, str]:
    """A Java .properties file (``#``/``!`` comments, ``\\`` continuations, ``=``/``:``/space)."""
    out: dict[str, str] = {}
    logical = ""
    for raw in text.splitlines():
        line = raw.lstrip() if not logical else raw.strip()
        if not logical and (not line or line[0] in "#!"):
            continue
        if line.endswith("\\") and not line.endswith("\\\\"):
            logical += line[:-1]
            continue
        logical += line
        match = re.match(r"([^=:\s]+)\s*[=:\s]\s*(.*)", logical)
        if match:
            out[match.group(1)] = match.group(2).strip()
        logical = ""
    return out


def _read_file(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_SECURITY_FILE + 1)
    except OSError:
        return None
    if len(data) > MAX_SECURITY_FILE:
        return None
    return data.decode("latin-1")


def security_file(java_home: Path) -> Path:
    modern = java_home / "conf" / "security" / "java.security"
    return modern if modern.exists() else java_home / "lib" / "security" / "java.security"


def _release(java_home: Path) -> dict[str, str]:
    text = _read_file(java_home / "release") or ""
    return {k: v.strip('"') for k, v in read_properties(text).items()}


def read_rules(
    java_home: Path | None, system_properties: Mapping[str, str] | None = None
) -> JavaRules:
    """The rules of the JVM at ``java_home`` run with these ``-D`` properties."""
    props = dict(system_properties or {})
    allow_non_ca = props.get("jdk.security.allowNonCaAnchor", "").strip().lower() == "true"
    if java_home is None:
        return JavaRules(
            (17, 0, 15),
            "17.0.15",
            None,
            None,
            (),
            DEFAULT_CERTPATH_DISABLED,
            frozenset(DEFAULT_DISTRUST.split(",")),
            allow_non_ca,
        )
    release = _release(java_home)
    version_text = release.get("JAVA_VERSION", "")
    vendor = release.get("IMPLEMENTOR")
    sources: list[str] = []
    security: dict[str, str] = {}
    master = security_file(java_home)
    extra = props.get("java.security.properties")
    replace = extra is not None and extra.startswith("=")
    text = _read_file(master)
    if text is not None:
        security = read_properties(text)
        sources.append(str(master))
    if extra and security.get("security.overridePropertiesFile", "true").lower() == "true":
        path = Path(extra.lstrip("=").removeprefix("file:"))
        extra_text = _read_file(path)
        if extra_text is not None:
            security = (
                read_properties(extra_text)
                if replace
                else {**security, **read_properties(extra_text)}
            )
            sources.append(f"{path} ({'replaces' if replace else 'adds to'} java.security)")
    if not version_text:
        version_text = "unknown (assumed 17)"
    if text is None:
        # Unreadable (or no such Java): the JDK's defaults, never "no rules at all".
        security.setdefault("jdk.certpath.disabledAlgorithms", DEFAULT_CERTPATH_DISABLED)
        security.setdefault("jdk.security.caDistrustPolicies", DEFAULT_DISTRUST)
        sources.append(f"{master} is unreadable: Java 17 defaults used")
    return JavaRules(
        parse_version(version_text),
        version_text,
        vendor,
        java_home,
        tuple(sources),
        _expand(security.get("jdk.certpath.disabledAlgorithms", ""), security),
        frozenset(
            p.strip()
            for p in security.get("jdk.security.caDistrustPolicies", "").split(",")
            if p.strip()
        ),
        allow_non_ca,
        security=MappingProxyType(security),
    )


def expand_includes(value: str, security: Mapping[str, str]) -> str:
    """A security property's entries with ``include <property>`` resolved."""
    return _expand(value, security)


def _expand(value: str, security: Mapping[str, str], depth: int = 0) -> str:
    """Resolve ``include <property>`` entries (java.security 8-15: jdk.disabled.namedCurves)."""
    parts = []
    for entry in entries(value):
        if entry.startswith("include ") and depth < MAX_INCLUDES:
            parts.append(_expand(security.get(entry[8:].strip(), ""), security, depth + 1))
        else:
            parts.append(entry)
    return ", ".join(p for p in parts if p)


def entries(value: str) -> list[str]:
    """A comma-separated security or -D property's entries, trimmed, empty ones dropped."""
    return [e.strip() for e in value.split(",") if e.strip()]


_KEYSIZE = r"keySize\s*(<=|<|==|!=|>=|>)\s*(\d+)"  # compiled on first use (start-up time)
_HASHES = {"MD2": "md2", "MD5": "md5", "SHA1": "sha1", "SHA-1": "sha1", "SHA224": "sha224"}
_CURVE_ALIASES = {
    "prime192v1": "secp192r1",
    "prime256v1": "secp256r1",
    "X9.62 prime256v1": "secp256r1",
}


class _Disabled(NamedTuple):
    forbidden_hashes: frozenset[str]
    sha1_only_under_jdkca: bool
    min_rsa: int
    min_dsa: int | None
    min_ec: int
    disabled_curves: frozenset[str]
    eddsa: bool
    unrecognized: tuple[str, ...]


def parse_disabled(value: str) -> _Disabled:
    """What sslpoke models of a ``jdk.certpath.disabledAlgorithms`` value."""
    forbidden: set[str] = set()
    jdkca = False
    min_rsa, min_dsa, min_ec = 0, 0, 0
    dsa_allowed = True
    curves: set[str] = set()
    eddsa = True
    unknown: list[str] = []
    for entry in entries(value):
        name, _, rest = entry.partition(" ")
        constraints = [c.strip() for c in rest.split("&") if c.strip()]
        tls_usage = all(not c.startswith("usage") or "TLSServer" in c for c in constraints)
        size = next((m for c in constraints if (m := re.fullmatch(_KEYSIZE, c))), None)
        upper = name.upper()
        if upper in _HASHES and not constraints:
            forbidden.add(_HASHES[upper])
        elif upper in _HASHES and tls_usage and constraints == ["jdkCA", "usage TLSServer"]:
            jdkca = True
        elif upper in _HASHES and not tls_usage:
            continue  # SignedJAR, TLS handshake usages: not certificate paths of a TLS client
        elif upper in ("RSA", "DSA", "EC") and size is not None and size.group(1) in ("<", "<="):
            limit = int(size.group(2)) + (1 if size.group(1) == "<=" else 0)
            if upper == "RSA":
                min_rsa = max(min_rsa, limit)
            elif upper == "DSA":
                min_dsa = max(min_dsa, limit)
            else:
                min_ec = max(min_ec, limit)
        elif upper == "DSA" and not constraints:
            dsa_allowed = False
        elif upper in ("EDDSA", "ED25519", "ED448") and not constraints:
            eddsa = False
        elif not constraints and (name in LEGACY_CURVES or name in _CURVE_ALIASES):
            curves.add(_CURVE_ALIASES.get(name, name))
        elif (m := re.fullmatch(r"(MD2|MD5|SHA1|SHA224)with\w+", name, re.I)) and not constraints:
            forbidden.add(_HASHES[m.group(1).upper()])
        else:
            unknown.append(entry)
    return _Disabled(
        frozenset(forbidden),
        jdkca,
        min_rsa,
        min_dsa if dsa_allowed else None,
        min_ec,
        frozenset(curves),
        eddsa,
        tuple(unknown),
    )


def profile_for(rules: JavaRules) -> Profile:
    """The java profile with this JVM's rules in place of Java 17's defaults."""
    d = parse_disabled(rules.certpath_disabled)
    if rules.version >= (16,):
        curves = NIST_CURVES  # SunEC implements no other curve since JDK 16
    else:
        curves = (NIST_CURVES | LEGACY_CURVES) - d.disabled_curves
    return JAVA._replace(
        description=f"{rules.describe()}: its java.security and -D options",
        forbidden_hashes=d.forbidden_hashes,
        sha1_only_under_jdkca=d.sha1_only_under_jdkca and "sha1" not in d.forbidden_hashes,
        min_rsa_bits=d.min_rsa,
        min_dsa_bits=d.min_dsa,
        min_ec_bits=d.min_ec,
        allowed_curves=curves,
        allow_eddsa=d.eddsa and rules.version >= (15,),
        anchor_must_be_ca=not rules.allow_non_ca_anchor,
        ca_distrust=rules.ca_distrust,
        # Measured: Temurin 25.0.3's TLS client refuses certificates signed with DSA or
        # SHA-224 ("Algorithm constraints check failed on signature algorithm"); 17.0.15
        # accepts them. The release in between that changed it was not checked.
        tls_refused_signatures=frozenset({"dsa", "sha224"})
        if rules.version >= (25,)
        else frozenset(),
        java=rules.describe(),
        java_version=rules.version,
    )


def distrust_date(policy: str) -> date | None:
    from sslpoke.data.jdk_distrust import POLICIES

    found = POLICIES.get(policy)
    return found.after if found else None
