"""Java's trust settings as the JVM would read them: -D flags and option variables.

A JVM takes ``-D`` properties from ``JAVA_TOOL_OPTIONS`` first, then
``JDK_JAVA_OPTIONS`` (the ``java`` launcher, JDK 9+), then its own command
line, then ``_JAVA_OPTIONS``; the last definition wins. Passwords are kept
only in memory and never printed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import NamedTuple

TRUSTSTORE = "javax.net.ssl.trustStore"
TRUSTSTORE_PASSWORD = "javax.net.ssl.trustStorePassword"
TRUSTSTORE_TYPE = "javax.net.ssl.trustStoreType"
TRUST_PROPERTIES = (TRUSTSTORE, TRUSTSTORE_PASSWORD, TRUSTSTORE_TYPE)
OPTION_VARIABLES = ("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS")  # read before the command line
#: -D properties that change how a JVM speaks TLS or validates certificates: what sslpoke
#: keeps when it mirrors a running JVM or an application's start scripts
TLS_PREFIXES = (
    "javax.net.ssl.", "jdk.tls.", "jdk.security.", "jdk.certpath.", "java.security.",
    "com.sun.net.ssl.", "com.sun.security.", "ocsp.", "https.", "jsse.", "sun.security.",
)  # fmt: skip
LATE_VARIABLES = ("_JAVA_OPTIONS",)  # read after it, so it wins


class TrustSettings(NamedTuple):
    """The ``javax.net.ssl.trustStore*`` properties a JVM ends up with, and where each came from."""

    truststore: str | None = None
    password: str | None = None  # never shown: see __repr__
    storetype: str | None = None
    sources: Mapping[str, str] = MappingProxyType({})

    def __repr__(self) -> str:
        return f"TrustSettings(truststore={self.truststore!r}, password={'***' if self.password else None}, storetype={self.storetype!r})"

    @property
    def empty(self) -> bool:
        return self.truststore is None and self.password is None and self.storetype is None

    def describe(self) -> list[str]:
        """Readable lines, with the password masked."""
        out = []
        for prop in TRUST_PROPERTIES:
            if prop in self.sources:
                value = {TRUSTSTORE: self.truststore, TRUSTSTORE_TYPE: self.storetype}.get(
                    prop, "********"
                )
                out.append(f"-D{prop}={value}  (from {self.sources[prop]})")
        return out


def masked(token: str) -> str:
    """A JVM option as it may be shown: the value of any ``-D...Password=`` replaced."""
    name, sep, _ = token.partition("=")
    if sep and token.startswith("-D") and name.lower().endswith("password"):
        return f"{name}=********"
    return token


def split_options(text: str) -> list[str]:
    import shlex

    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def properties(tokens: Iterable[str]) -> dict[str, str]:
    """``-Dname=value`` tokens (or bare ``name=value``) as a dict; other tokens ignored."""
    out: dict[str, str] = {}
    for token in tokens:
        body = token[2:] if token.startswith("-D") else token
        if "=" not in body or (token.startswith("-") and not token.startswith("-D")):
            continue
        name, _, value = body.partition("=")
        out[name.strip()] = value
    return out


def all_properties(
    command_line: Iterable[str] = (), env: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Every ``-D`` property the JVM ends up with, in its order, passwords left out."""
    env = env or {}
    merged: dict[str, str] = {}
    layers = [env.get(v, "") for v in OPTION_VARIABLES]
    for text in layers:
        merged.update(properties(split_options(text)) if text else {})
    merged.update(properties(command_line))
    for var in LATE_VARIABLES:
        if env.get(var):
            merged.update(properties(split_options(env[var])))
    return {k: v for k, v in merged.items() if not k.lower().endswith("password")}


def resolve(
    command_line: Iterable[str] = (),
    env: Mapping[str, str] | None = None,
    *,
    command_line_label: str = "command line",
) -> TrustSettings:
    """Merge properties in the JVM's order and keep only the trust settings."""
    layers: list[tuple[str, dict[str, str]]] = []
    env = env or {}
    for var in OPTION_VARIABLES:
        if env.get(var):
            layers.append((var, properties(split_options(env[var]))))
    layers.append((command_line_label, properties(command_line)))
    for var in LATE_VARIABLES:
        if env.get(var):
            layers.append((var, properties(split_options(env[var]))))
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    for label, props in layers:
        for prop in TRUST_PROPERTIES:
            if prop in props:
                values[prop], sources[prop] = props[prop], label
    return TrustSettings(
        truststore=values.get(TRUSTSTORE) or None,
        password=values.get(TRUSTSTORE_PASSWORD),
        storetype=values.get(TRUSTSTORE_TYPE) or None,
        sources=sources,
    )


def tls_options(props: Mapping[str, str]) -> list[str]:
    """The TLS and validation ``-D`` options among ``props`` (see TLS_PREFIXES), as
    tokens; the truststore ones and any password left out (they travel on their own)."""
    return [
        f"-D{k}={v}"
        for k, v in props.items()
        if k.startswith(TLS_PREFIXES)
        and k not in TRUST_PROPERTIES
        and not k.lower().endswith("password")
    ]
