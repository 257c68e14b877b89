"""The Public Suffix List, read from the copy the machine already has.

Both Java and browsers refuse a wildcard certificate for a public suffix
(``*.com``, ``*.co.uk``). sslpoke does not ship its own copy of the list: it
reads Debian's ``publicsuffix`` package or the copy inside a JDK, and falls back
to "a single label is a public suffix" when neither exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SYSTEM_LISTS = (
    Path("/usr/share/publicsuffix/public_suffix_list.dat"),
    Path("/usr/share/publicsuffix/effective_tld_names.dat"),
)
JDK_GLOBS = ("/usr/lib/jvm/*/lib/security/public_suffix_list.dat",)
MAX_LIST_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class SuffixList:
    source: str
    icann: frozenset[str]
    private: frozenset[str]

    def _rules(self, include_private: bool) -> frozenset[str]:
        return self.icann | self.private if include_private else self.icann

    def public_suffix(self, domain: str, *, include_private: bool = True) -> str:
        """The public suffix of ``domain`` by the standard algorithm (rules, ``*``, ``!``)."""
        rules = self._rules(include_private)
        labels = domain.lower().strip(".").split(".")
        best = labels[-1:]  # the implicit "*" rule
        for i in range(len(labels)):
            candidate = ".".join(labels[i:])
            if "!" + candidate in rules:
                return ".".join(labels[i + 1 :])
            wildcard = ".".join(["*", *labels[i + 1 :]]) if i + 1 < len(labels) else None
            if candidate in rules or (wildcard is not None and wildcard in rules):
                best = labels[i:]
                break
        return ".".join(best)

    def is_public_suffix(self, domain: str, *, include_private: bool = True) -> bool:
        domain = domain.lower().strip(".")
        return self.public_suffix(domain, include_private=include_private) == domain


def _parse(text: str, source: str) -> SuffixList:
    icann: set[str] = set()
    private: set[str] = set()
    target = icann
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("// ===BEGIN PRIVATE DOMAINS"):
            target = private
        if not line or line.startswith("//"):
            continue
        rule = line.split()[0]
        try:
            rule = rule.encode("idna").decode("ascii") if not rule.isascii() else rule
        except UnicodeError:
            continue
        target.add(rule.lower())
    return SuffixList(source, frozenset(icann), frozenset(private))


def _read_jdk_copy(path: Path) -> SuffixList | None:
    """JDK 9+ keeps the list in a zip archive, one member per TLD, each rule
    prefixed by a byte: 0 for the ICANN section, 1 for private domains."""
    import zipfile

    icann: set[str] = set()
    private: set[str] = set()
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.file_size > MAX_LIST_BYTES:
                    return None
                for line in archive.read(info).decode("utf-8", "replace").splitlines():
                    if len(line) < 2:
                        continue
                    rule = line[1:].strip().lower()
                    if not rule.isascii():
                        try:
                            rule = rule.encode("idna").decode("ascii")
                        except UnicodeError:
                            continue
                    (private if line[0] == "\x01" else icann).add(rule)
    except (OSError, zipfile.BadZipFile):
        return None
    return SuffixList(str(path), frozenset(icann), frozenset(private)) if icann else None


@lru_cache(maxsize=1)
def load() -> SuffixList | None:
    """The list from this machine, or ``None`` if there is none."""
    for path in SYSTEM_LISTS:
        try:
            if path.stat().st_size <= MAX_LIST_BYTES:
                return _parse(path.read_text("utf-8", "replace"), str(path))
        except OSError:
            continue
    for pattern in JDK_GLOBS:
        for path in sorted(Path("/").glob(pattern.lstrip("/"))):
            found = _read_jdk_copy(path)
            if found is not None:
                return found
    return None


def is_public_suffix(domain: str, *, include_private: bool = True) -> bool:
    """True when nobody may hold a wildcard directly under ``domain``."""
    suffixes = load()
    if suffixes is None:
        return "." not in domain.strip(".")
    return suffixes.is_public_suffix(domain, include_private=include_private)
