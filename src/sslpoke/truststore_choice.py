"""Deciding which truststore a diagnosis uses, the way the application would.

Explicit beats implicit: ``--truststore``, then ``--system`` or ``--mozilla``,
then ``-Djavax.net.ssl.trustStore`` (from the arguments, ``JAVA_TOOL_OPTIONS``
or ``_JAVA_OPTIONS``), then the default of the ``java`` on PATH (``jssecacerts``
before ``cacerts``), and with no Java at all, the operating system's bundle.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from sslpoke.problems import Code, Problem, Severity

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sslpoke.stores import TrustStore

# The store readers (and cryptography under them) are imported by choose(), not here:
# the CLI builds a StoreRequest before the probe starts its connection, and the
# connection should not wait for those imports.


class StoreRequest(NamedTuple):
    """What the user asked for; every field is optional."""

    path: str | Path | None = None
    password: str | None = None  # never shown: see __repr__
    storetype: str | None = None
    system: bool = False
    mozilla: bool = False
    java_args: Sequence[
        str
    ] = ()  # -Djavax.net.ssl.trustStore=... as pasted from the app's JVM options
    java_home: Path | None = None  # the JVM to mirror; None: the java on PATH
    env: Mapping[str, str] | None = (
        None  # JAVA_TOOL_OPTIONS & co.; None: this process's environment
    )
    #: The sslpoke options that make this same choice, for printed fix commands
    #: (e.g. ``--java 4242`` or ``--truststore s.jks``): never a password.
    origin_args: tuple[str, ...] = ()
    #: Where ``java_args`` came from, for the report ("bin/setenv.sh", "PID 4242's command line").
    args_label: str = "the -D arguments given"

    def __repr__(self) -> str:  # passwords hide in three fields: never show them
        from sslpoke.java.options import masked

        return (
            f"StoreRequest(path={self.path!r}, password={'***' if self.password else None}, "
            f"storetype={self.storetype!r}, system={self.system}, mozilla={self.mozilla}, "
            f"java_args={[masked(a) for a in self.java_args]!r}, java_home={self.java_home!r}, "
            f"env={None if self.env is None else sorted(self.env)!r})"
        )


class ChosenStore(NamedTuple):
    store: TrustStore
    problems: tuple[Problem, ...] = ()
    java_home: Path | None = None
    real_path: str | None = None  # where the named file really is, when it is a symlink
    from_java_defaults: bool = False  # chosen by a JVM's own rules rather than named by the user
    bundle: str | None = None  # "system" or "mozilla": a bundle sslpoke reads but never edits
    password: str | None = None  # the one the store was opened with (needed to write it back)
    #: The JVM's -D properties (passwords left out): its validation rules depend on them.
    jvm_properties: Mapping[str, str] = MappingProxyType({})
    #: The sslpoke options that make this same choice (from the request), never a password.
    origin_args: tuple[str, ...] = ()

    def __repr__(self) -> str:  # never show the password
        return (
            f"ChosenStore(store={self.store.describe()!r}, java_home={self.java_home!r}, "
            f"bundle={self.bundle!r}, password={'***' if self.password else None})"
        )

    @property
    def keytool(self) -> str:
        from sslpoke.java.truststore import jdk_tool

        found = jdk_tool(self.java_home, "keytool") if self.java_home is not None else None
        return str(found) if found is not None else "keytool"


def choose(request: StoreRequest) -> ChosenStore:
    """Open the truststore the request designates. Raises StoreError on bad input."""
    chosen = _choose(request)
    return chosen._replace(origin_args=request.origin_args or _origin_args(request))


def _origin_args(request: StoreRequest) -> tuple[str, ...]:
    """Options that reproduce a request made through the library (no password)."""
    from sslpoke.java.options import masked

    if request.path is not None:
        typed: tuple[str, ...] = ("--storetype", request.storetype) if request.storetype else ()
        return ("--truststore", str(request.path), *typed)
    if request.system:
        return ("--system",)
    if request.mozilla:
        return ("--mozilla",)
    flags = tuple(a for a in request.java_args if masked(a) == a)
    if request.java_home is not None:
        return ("--java", str(request.java_home / "bin" / "java"), *flags)
    return flags


def _choose(request: StoreRequest) -> ChosenStore:
    from sslpoke.stores import load_mozilla, load_system, load_truststore

    if request.path is not None:
        store = load_truststore(  # an empty store is a finding, not bad input
            request.path,
            storetype=request.storetype,
            password=request.password,
            origin="--truststore",
            allow_empty=True,
        )
        return ChosenStore(store, real_path=_symlink(Path(request.path)), password=request.password)
    if request.system:
        return ChosenStore(load_system(), bundle="system")
    if request.mozilla:
        return ChosenStore(load_mozilla(), bundle="mozilla")

    from sslpoke.java import options as java_options
    from sslpoke.java.truststore import default_store, java_home_of, java_on_path

    env = os.environ if request.env is None else request.env
    settings = java_options.resolve(request.java_args, env, command_line_label=request.args_label)
    password = request.password if request.password is not None else settings.password
    props = MappingProxyType(java_options.all_properties(request.java_args, env))
    java_home = request.java_home
    if java_home is None:
        java = java_on_path(dict(env))
        java_home = java_home_of(java) if java is not None else None
    if java_home is None:
        if settings.truststore is not None:
            store = load_truststore(
                settings.truststore,
                storetype=settings.storetype,
                password=password,
                origin=f"-D{java_options.TRUSTSTORE}",
                allow_empty=True,
            )
            return ChosenStore(
                store,
                real_path=_symlink(Path(settings.truststore)),
                password=password,
                jvm_properties=props,
            )
        store = load_system()
        note = "no java found on PATH, so the operating system's CA bundle is used"
        return ChosenStore(_with_note(store, note), bundle="system", jvm_properties=props)

    choice = default_store(java_home, settings)
    problems: list[Problem] = []
    if choice.fallback:
        problems.append(
            Problem(
                Code.TRUSTSTORE_FALLBACK,
                Severity.WARNING,
                choice.fallback + ".",
                "Fix the -Djavax.net.ssl.trustStore path in the JVM options, or create that file.",
            )
        )
    store = load_truststore(
        choice.path,
        storetype=choice.storetype,
        password=password,
        origin=f"{choice.origin}; java.home {java_home}",
        allow_empty=True,
    )
    named = settings.truststore is not None and choice.fallback is None
    return ChosenStore(
        store,
        tuple(problems),
        java_home,
        _symlink(choice.path),
        from_java_defaults=not named,
        password=password,
        jvm_properties=props,
    )


def _symlink(path: Path) -> str | None:
    try:
        real = path.resolve()
    except OSError:
        return None
    return str(real) if real != path.absolute() else None


def _with_note(store: TrustStore, note: str) -> TrustStore:
    return store._replace(notes=(*store.notes, note))
