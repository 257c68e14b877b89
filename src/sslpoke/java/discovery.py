"""Every Java on the machine, the truststore each uses, and what running JVMs were told.

Found without starting a JVM: ``java.home`` comes from where the binary really
lives, the version from ``<java.home>/release``. Places searched: ``JAVA_HOME``,
``java`` on PATH, ``update-alternatives``, ``/usr/lib/jvm``, ``/usr/java``,
application-bundled JREs under ``/opt`` (``<install>/jre``, ``<install>/jdk*``) and,
on macOS, ``/Library/Java/JavaVirtualMachines``. Running JVMs are read from /proc:
their binary, command line and ``JAVA_TOOL_OPTIONS``/``_JAVA_OPTIONS``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from sslpoke.errors import UsageError
from sslpoke.java import options
from sslpoke.java.truststore import StoreChoice, default_store, java_home_of, jdk_tool
from sslpoke.truststore_choice import StoreRequest

OPT_PATTERNS = (
    "*/jre/bin/java",
    "*/jdk*/bin/java",
    "*/*/jre/bin/java",
    "*/*/jdk*/bin/java",
    "*/*/*/jre/bin/java",
)
MAX_PROC_BYTES = 1 << 20


class StoreSummary(NamedTuple):
    path: Path
    real_path: Path | None
    origin: str
    type: str | None
    entries: int | None
    error: str | None
    fallback: str | None


class JavaInstall(NamedTuple):
    home: Path
    java: Path
    version: str | None
    vendor: str | None
    found_by: tuple[str, ...]
    store: StoreSummary


class JavaProcess(NamedTuple):
    pid: int
    java: Path
    home: Path
    command: str  # main class or -jar file, for recognising the process
    settings: options.TrustSettings
    store: StoreSummary
    note: str | None  # e.g. environment not readable
    properties: Mapping[str, str] = MappingProxyType({})  # its -D properties, no passwords


class AppConfig(NamedTuple):
    folder: Path
    home: Path | None
    home_from: str
    settings: options.TrustSettings
    files: tuple[Path, ...]
    store: StoreSummary | None
    properties: Mapping[str, str] = MappingProxyType({})  # every -D found, no passwords


# --- one JVM --------------------------------------------------------------------------


def release_info(home: Path) -> tuple[str | None, str | None]:
    """``JAVA_VERSION`` and ``IMPLEMENTOR`` from the release file (the JDK's, for a JDK 8 jre)."""
    for candidate in (home / "release", home.parent / "release"):
        try:
            text = candidate.read_text("utf-8", "replace")
        except OSError:
            continue
        values = dict(re.findall(r'^([A-Z_]+)="?([^"\n]*)"?', text, re.M))
        return values.get("JAVA_VERSION"), values.get("IMPLEMENTOR")
    return None, None


def summarize_store(home: Path, settings: options.TrustSettings) -> StoreSummary:
    choice = default_store(home, settings)
    return _summary(choice)


def _summary(choice: StoreChoice) -> StoreSummary:
    from sslpoke.errors import StoreError
    from sslpoke.stores import load_truststore

    resolved = choice.path.resolve() if choice.path.exists() else None
    real = resolved if resolved != choice.path else None
    try:
        store = load_truststore(
            choice.path, storetype=choice.storetype, password=choice.password, origin=choice.origin
        )
    except StoreError as exc:
        return StoreSummary(choice.path, real, choice.origin, None, None, str(exc), choice.fallback)
    return StoreSummary(
        choice.path,
        real,
        choice.origin,
        store.type.value,
        len(store.entries),
        None,
        choice.fallback,
    )


# --- discovery ------------------------------------------------------------------------


SEARCH_ROOTS: tuple[tuple[Path, tuple[str, ...], str], ...] = (
    (Path("/usr/lib/jvm"), ("*/bin/java", "*/jre/bin/java"), "/usr/lib/jvm"),
    (Path("/usr/java"), ("*/bin/java", "*/jre/bin/java"), "/usr/java"),
    (Path("/opt"), OPT_PATTERNS, "/opt (bundled)"),
    (Path("/Library/Java/JavaVirtualMachines"), ("*/Contents/Home/bin/java",), "macOS"),
)


def _candidates(
    env: Mapping[str, str], roots: Sequence[tuple[Path, tuple[str, ...], str]], alternatives: bool
) -> Iterable[tuple[Path, str]]:
    if env.get("JAVA_HOME"):
        yield Path(env["JAVA_HOME"]) / "bin" / "java", "JAVA_HOME"
    on_path = shutil.which("java", path=env.get("PATH"))
    if on_path:
        yield Path(on_path), "PATH"
    if alternatives and shutil.which("update-alternatives"):
        try:
            listed = subprocess.run(
                ["update-alternatives", "--list", "java"], capture_output=True, text=True, timeout=5
            )
            for line in listed.stdout.splitlines():
                if line.strip():
                    yield Path(line.strip()), "update-alternatives"
        except (OSError, subprocess.SubprocessError):
            pass
    for root, patterns, label in roots:
        try:
            found_here = (
                [f for p in patterns for f in sorted(root.glob(p))] if root.is_dir() else []
            )
        except OSError:
            continue
        for found in found_here:
            yield found, label


def find_javas(
    env: Mapping[str, str] | None = None,
    *,
    roots: Sequence[tuple[Path, tuple[str, ...], str]] = SEARCH_ROOTS,
    alternatives: bool = True,
) -> list[JavaInstall]:
    """Every distinct ``java.home`` reachable from the environment and the usual folders."""
    env = os.environ if env is None else env
    by_home: dict[Path, tuple[Path, list[str]]] = {}
    for binary, label in _candidates(env, roots, alternatives):
        try:
            if not binary.is_file() or not os.access(binary, os.X_OK):
                continue
            home = java_home_of(binary).resolve()
        except OSError:  # a folder this user may not read (su keeps root's PATH)
            continue
        _, labels = by_home.setdefault(home, (binary, []))
        if label not in labels:
            labels.append(label)
    out = []
    for home, (binary, labels) in by_home.items():
        version, vendor = release_info(home)
        out.append(
            JavaInstall(
                home,
                binary,
                version,
                vendor,
                tuple(labels),
                summarize_store(home, options.TrustSettings()),
            )
        )
    return out


def _read_proc(path: Path) -> bytes | None:
    try:
        with path.open("rb") as fh:
            return fh.read(MAX_PROC_BYTES)
    except OSError:
        return None


_PATH_OPTIONS = ("-cp", "-classpath", "--class-path", "-p", "--module-path")


def _command_summary(argv: list[str]) -> str:
    """The main class or ``-jar`` file: the first word that is neither an option nor a path list."""
    for i, arg in enumerate(argv[1:], 1):
        if arg == "-jar" and i + 1 < len(argv):
            return f"-jar {argv[i + 1]}"
        if not arg.startswith("-") and argv[i - 1] not in _PATH_OPTIONS:
            return arg
    return ""


def read_process(pid: int, proc: Path = Path("/proc")) -> JavaProcess | None:
    """A running JVM's trust settings, or None if ``pid`` is not a Java process."""
    base = proc / str(pid)
    try:
        exe = (base / "exe").readlink()
    except OSError:
        return None
    raw = _read_proc(base / "cmdline")
    if raw is None:
        return None
    argv = [a.decode("utf-8", "replace") for a in raw.split(b"\0") if a]
    if not argv or (exe.name != "java" and not argv[0].endswith("java")):
        return None
    binary = exe if exe.name == "java" else Path(argv[0])
    environ = _read_proc(base / "environ")
    env: dict[str, str] = {}
    note = None
    if environ is None:
        note = (
            "its environment is not readable (run as root or as its user to see JAVA_TOOL_OPTIONS)"
        )
    else:
        for item in environ.split(b"\0"):
            key, _, value = item.decode("utf-8", "replace").partition("=")
            if key in (*options.OPTION_VARIABLES, *options.LATE_VARIABLES):
                env[key] = value
    settings = options.resolve(argv[1:], env, command_line_label="its command line")
    if settings.truststore and not Path(settings.truststore).is_absolute():
        try:  # a relative trustStore is relative to the JVM's working directory, not ours
            cwd = (base / "cwd").readlink()
            settings = settings._replace(truststore=str(cwd / settings.truststore))
        except OSError:
            pass
    home = java_home_of(binary)
    return JavaProcess(
        pid,
        binary,
        home,
        _command_summary(argv),
        settings,
        summarize_store(home, settings),
        note,
        MappingProxyType(options.all_properties(_jvm_options(argv[1:]), env)),
    )


def _jvm_options(args: list[str]) -> list[str]:
    """The launcher's own options: everything before the main class or ``-jar FILE``
    (the application's arguments after it are not ``-D`` properties of the JVM)."""
    out: list[str] = []
    skip = False
    for arg in args:
        if skip:
            out.append(arg)
            skip = False
            continue
        if arg == "-jar" or not arg.startswith("-"):
            break
        out.append(arg)
        skip = arg in _PATH_OPTIONS
    return out


def java_processes(proc: Path = Path("/proc")) -> list[JavaProcess]:
    out: list[JavaProcess] = []
    try:
        pids = sorted(int(p.name) for p in proc.iterdir() if p.name.isdigit())
    except OSError:
        return out
    for pid in pids:
        found = read_process(pid, proc)
        if found is not None:
            out.append(found)
    return out


# --- application start scripts ----------------------------------------------------------

#: Variables whose value is JVM options: Tomcat and Atlassian (setenv.sh), Kafka
#: (KAFKA_OPTS), Elasticsearch (ES_JAVA_OPTS), Jenkins (/etc/default/jenkins: JAVA_ARGS),
#: and the JVM's own.
OPTION_VARIABLES_OF_APPS = (
    "JAVA_OPTS",
    "CATALINA_OPTS",
    "JVM_SUPPORT_RECOMMENDED_ARGS",
    "JVM_REQUIRED_ARGS",
    "KAFKA_OPTS",
    "ES_JAVA_OPTS",
    "JAVA_ARGS",
    "JENKINS_JAVA_OPTIONS",
    "JAVA_TOOL_OPTIONS",
    "JDK_JAVA_OPTIONS",
)
APP_VARIABLES = (*OPTION_VARIABLES_OF_APPS, "JRE_HOME", "JAVA_HOME")
MAX_APP_FILES = 16
_ASSIGN = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


def _expand(value: str, known: Mapping[str, str]) -> str:
    return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: known.get(m.group(1), ""), value)


def parse_setenv(text: str) -> dict[str, str]:
    """The variables a Tomcat/Atlassian ``setenv.sh`` sets (simple assignments, $VAR expanded)."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        match = _ASSIGN.match(line)
        if not match or match.group(1) not in APP_VARIABLES:
            continue
        raw = match.group(2).strip()
        if raw[:1] in ("'", '"'):
            quote = raw[0]
            end = raw.find(quote, 1)
            raw = raw[1:end] if end > 0 else raw[1:]
        else:
            raw = raw.split("#", 1)[0].strip()
        values[match.group(1)] = _expand(raw, values).strip()
    return values


def parse_systemd_unit(text: str, base: Path) -> tuple[dict[str, str], list[Path]]:
    """``Environment=`` assignments of a systemd unit, and its ``EnvironmentFile=`` paths."""
    values: dict[str, str] = {}
    env_files: list[Path] = []
    for line in text.splitlines():
        key, _, rest = line.strip().partition("=")
        if key == "Environment":
            for item in options.split_options(rest):
                name, eq, value = item.partition("=")
                if eq and name in APP_VARIABLES:
                    values[name] = value
        elif key == "EnvironmentFile" and rest:
            path = Path(rest.lstrip("-").strip())
            env_files.append(path if path.is_absolute() else base / path)
    return values, env_files


# Kafka (broker, clients, Connect) names its truststore in its own properties, not in -D
# options; the JVM default trust applies only when ssl.truststore.location is unset.
KAFKA_PROPERTIES = (
    "server.properties",
    "client.properties",
    "consumer.properties",
    "producer.properties",
    "connect-distributed.properties",
    "connect-standalone.properties",
)
_KAFKA_TO_JAVA = {
    "ssl.truststore.location": options.TRUSTSTORE,
    "ssl.truststore.type": options.TRUSTSTORE_TYPE,
    "ssl.truststore.password": options.TRUSTSTORE_PASSWORD,
}


def parse_properties(text: str, *, max_entries: int = 10_000) -> dict[str, str]:
    """A Java ``.properties`` file (``key=value``, ``key: value``, ``key value``; ``#``/``!``
    comments; backslash continuations and escapes), as ``java.util.Properties.load`` reads it."""
    out: dict[str, str] = {}
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.lstrip()
        if not pending and (not line or line[0] in "#!"):
            continue
        trailing = len(line) - len(line.rstrip("\\"))
        if trailing % 2:  # an odd number of backslashes continues the line
            pending += line[:-1]
            continue
        logical.append(pending + line)
        pending = ""
        if len(logical) >= max_entries:
            break
    if pending:
        logical.append(pending)
    for line in logical:
        match = re.match(r"((?:\\.|[^\s=:\\])*)\s*[=:]?\s*(.*)$", line, re.S)
        if match is None:
            continue
        key, value = (_unescape(g) for g in match.groups())
        out[key] = value
    return out


def _unescape(text: str) -> str:
    simple = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}

    def one(m: re.Match[str]) -> str:
        if m.group(1):
            return chr(int(m.group(1), 16))
        return simple.get(m.group(2), m.group(2))

    return re.sub(r"\\(?:u([0-9a-fA-F]{4})|(.))", one, text)


def kafka_trust_tokens(props: Mapping[str, str]) -> list[str]:
    """The ``-Djavax.net.ssl.*`` options that give sslpoke the truststore these Kafka settings
    name (``ssl.truststore.type=PEM``: the file is read as PEM, no type is passed on)."""
    tokens = []
    for key, java_name in _KAFKA_TO_JAVA.items():
        value = props.get(key, "").strip()
        if not value or (key == "ssl.truststore.type" and value.upper() == "PEM"):
            continue
        tokens.append(f"-D{java_name}={value}")
    return tokens


def _app_files(target: Path) -> list[Path]:
    """Where an application's JVM options live: a folder's start scripts and options files,
    or a systemd unit / environment file named directly."""
    if target.is_file():
        return [target]
    candidates = [
        target / "bin" / "setenv.sh",
        target / "bin" / "setenv.bat",
        target / "setenv.sh",
        target / "config" / "jvm.options",  # Elasticsearch
        target / "config" / "jvm.options.d",
    ]
    # Kafka: the first properties file of the folder that names a truststore
    kafka = [target / "config" / name for name in KAFKA_PROPERTIES]
    for path in kafka:
        try:
            if (
                path.is_file()
                and "ssl.truststore." in path.read_text("utf-8", "replace")[: 1 << 20]
            ):
                candidates.append(path)
                break
        except OSError:
            continue
    out = []
    for path in candidates:
        if path.is_dir():
            out += sorted(path.glob("*.options"))[:MAX_APP_FILES]
        elif path.is_file():
            out.append(path)
    return out


def _read_app_file(path: Path, values: dict[str, str], tokens: list[str]) -> list[Path]:
    """Add what ``path`` sets; return the environment files it refers to."""
    try:
        text = path.read_text("utf-8", "replace")[: 1 << 20]
    except OSError:
        return []
    if path.suffix == ".service" or "[Service]" in text:
        found, env_files = parse_systemd_unit(text, path.parent)
        values.update(found)
        return env_files
    if path.suffix == ".properties":  # Kafka: ssl.truststore.* in its own settings
        tokens += kafka_trust_tokens(parse_properties(text))
        return []
    if path.name.endswith(".options"):  # one JVM option per line (Elasticsearch)
        for line in text.splitlines():
            line = line.split(":", 1)[-1] if re.match(r"^\d+(-\d*)?:", line) else line
            if line.strip().startswith("-D"):
                tokens.append(line.strip())
        return []
    if path.suffix != ".bat":
        values.update(parse_setenv(text))
    return []


def read_app_dir(folder: Path) -> AppConfig:
    """An application's JVM, as its start-up files configure it (folder, unit or env file)."""
    files = _app_files(folder)
    values: dict[str, str] = {}
    tokens: list[str] = []
    pending = list(files)
    read: list[Path] = []
    while pending and len(read) < MAX_APP_FILES:
        path = pending.pop(0)
        read.append(path)
        pending += [p for p in _read_app_file(path, values, tokens) if p.is_file()]
    files = read
    for name in OPTION_VARIABLES_OF_APPS:
        tokens += options.split_options(values.get(name, ""))
    label = ", ".join(str(f) for f in files[:3]) or str(folder)
    settings = options.resolve(tokens, {}, command_line_label=label)
    home: Path | None = None
    home_from = ""
    for name in ("JRE_HOME", "JAVA_HOME"):
        if values.get(name):
            home, home_from = Path(values[name]), f"{name} in setenv.sh"
            break
    if home is None and folder.is_dir() and (folder / "jre" / "bin" / "java").is_file():
        home, home_from = folder / "jre", "the JRE bundled with the application"
    if home is None:
        on_path = shutil.which("java")
        if on_path:
            home, home_from = (
                java_home_of(Path(on_path)),
                "java on PATH (no JRE_HOME, JAVA_HOME or bundled jre)",
            )
    store = summarize_store(home, settings) if home is not None else None
    return AppConfig(
        folder,
        home,
        home_from,
        settings,
        tuple(files),
        store,
        MappingProxyType(options.all_properties(tokens, {})),
    )


# --- --java PATH|PID --------------------------------------------------------------------


def is_app_dir(folder: Path) -> bool:
    """A Tomcat-style application folder (Jira, Confluence...): start scripts in bin/."""
    return (folder / "bin" / "setenv.sh").is_file() or (folder / "bin" / "catalina.sh").is_file()


def resolve_app_dir(folder: Path, *, java_args: list[str], password: str | None) -> StoreRequest:
    """A store request for the JVM an application folder starts: its Java (JRE_HOME,
    JAVA_HOME, the bundled jre/) and the -Djavax.net.ssl.* options of its setenv.sh."""
    if not folder.exists():
        raise UsageError(f"--app-dir {folder}: no such folder or file")
    config = read_app_dir(folder)
    if not config.files and config.home_from.startswith("java on PATH"):
        raise UsageError(
            f"--app-dir {folder}: no bin/setenv.sh, config/jvm.options, Kafka config/*.properties "
            "or bundled jre/ (give the application's installation folder, e.g. "
            "/opt/atlassian/jira, or its systemd unit, environment file or Kafka properties "
            "file, e.g. /etc/default/jenkins or /etc/kafka/client.properties)"
        )
    props = [*_trust_props(config.settings), *options.tls_options(config.properties)]
    return StoreRequest(
        password=password,
        java_args=[*props, *java_args],
        java_home=config.home,
        env={},
        args_label=", ".join(str(f) for f in config.files[:3]) or str(folder),
    )


def _trust_props(settings: options.TrustSettings) -> list[str]:
    """The ``-Djavax.net.ssl.trustStore*`` options that reproduce these settings."""
    return [
        f"-D{k}={v}"
        for k, v in (
            (options.TRUSTSTORE, settings.truststore),
            (options.TRUSTSTORE_TYPE, settings.storetype),
            (options.TRUSTSTORE_PASSWORD, settings.password),
        )
        if v is not None
    ]


def resolve_java(spec: str, *, java_args: list[str], password: str | None) -> StoreRequest:
    """A store request that mirrors one JVM: a ``java`` binary, a ``java.home``, a running PID,
    or an application folder (read as with --app-dir)."""
    if spec.isdigit():
        process = read_process(int(spec))
        if process is None:
            raise UsageError(f"--java {spec}: no running Java process with that PID")
        # its truststore, and every other -D that changes its TLS or its checks
        # (checkRevocation, java.security.properties, jdk.tls.*): sslpoke judges, and
        # --confirm runs, the JVM as it runs
        props = [*_trust_props(process.settings), *options.tls_options(process.properties)]
        return StoreRequest(
            password=password,
            java_args=[*props, *java_args],
            java_home=process.home,
            env={},
            args_label=f"the settings of PID {spec} ({process.command})",
        )
    path = Path(spec)
    if path.is_dir() and is_app_dir(path):
        return resolve_app_dir(path, java_args=java_args, password=password)
    if path.is_dir():
        binary = next(
            (b for b in (path / "bin" / "java", path / "jre" / "bin" / "java") if b.is_file()), None
        )
        if binary is None:
            raise UsageError(f"--java {spec}: no bin/java in that folder")
        path = binary
    if not path.is_file():
        raise UsageError(f"--java {spec}: no such java binary, java.home or PID")
    return StoreRequest(password=password, java_args=java_args, java_home=java_home_of(path))


def java_binary(home: Path) -> Path:
    return jdk_tool(home, "java") or home / "bin" / "java"
