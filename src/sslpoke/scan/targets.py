"""Where the endpoints of a scan come from: lists, URLs, nmap output, an application.

One target per line (``host``, ``host:port``, ``[v6]:port``, URLs with any scheme
sslpoke knows — ``ldaps://``, ``smtp://`` for STARTTLS —, ``#`` comments); nmap's
grepable output (``-oG``: ``Host: 10.0.0.5 () Ports: 443/open/tcp//https///, 25/open/...``;
open ports only, SMTP/IMAP/POP3/LDAP/FTP/XMPP/PostgreSQL/MySQL ports speak STARTTLS as
a probe would); any file of URLs (``--hosts-from``); and an application folder's
configuration (Jira ``dbconfig.xml``, Confluence ``confluence.cfg.xml``: the database URL).
Every count is bounded.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

MAX_TARGETS = 1_000_000
MAX_LINE = 8192
MAX_TARGET_CHARS = 1 << 30  # a file of targets is read up to 1 GiB (blank lines count too)

_NMAP = re.compile(r"^Host:\s+(?P<ip>\S+)\s+\((?P<name>[^)]*)\)\s+Ports:\s+(?P<ports>.*)$")
_URL = re.compile(
    r"\b(?:https|ldaps?|smtps?|submission|imaps?|pop3s?|ftps?|xmpp|postgres(?:ql)?|mysql)://"
    r"[^\s\"'<>)\]]+",
    re.I,
)
_JDBC_URL = re.compile(r"jdbc:\S+", re.I)
_JDBC = re.compile(
    r"jdbc:(?P<kind>postgresql|mysql|mariadb):(?://)?(?P<host>[^/:;?\s]+)(?::(?P<port>\d+))?", re.I
)


def from_lines(lines: Iterable[str], source: str = "the targets") -> Iterator[str]:
    """Target specs, one per non-comment line; nmap -oG lines expand to their open ports.

    Raises :class:`~sslpoke.errors.InputError` at a NUL byte: a binary file named by
    mistake (a .gz log, a program) would otherwise send its fragments to DNS and
    connect wherever they resolve."""
    count = 0
    for number, raw in enumerate(lines, start=1):
        if "\x00" in raw:
            from sslpoke.errors import InputError

            raise InputError(f"{source}: binary data, not targets (a NUL byte on line {number})")
        line = raw[:MAX_LINE].split("#", 1)[0].strip()
        if not line:
            continue
        m = _NMAP.match(line)
        if m:
            host = m.group("name") or m.group("ip")
            for entry in m.group("ports").split(","):
                parts = entry.strip().split("/")
                if len(parts) >= 3 and parts[1] == "open" and parts[2] == "tcp":
                    count += 1
                    yield f"{host}:{parts[0]}"
            continue
        if line.startswith(("Host:", "# Nmap")):
            continue
        count += 1
        yield line.split()[0]
        if count >= MAX_TARGETS:
            return


def urls_in(text: str) -> list[str]:
    """Every URL sslpoke can probe found in any text (a config file, a page, a log)."""
    seen: dict[str, None] = {}
    for m in _URL.finditer(text):
        seen.setdefault(m.group(0).rstrip(".,;"), None)
        if len(seen) >= MAX_TARGETS:
            break
    return list(seen)


def from_app_dir(folder: Path) -> list[str]:
    """The endpoints an application's own configuration names (read-only): the database
    of Jira's dbconfig.xml / Confluence's confluence.cfg.xml, any URL in them or in the
    folder's ``*.properties`` and ``*.xml`` (and ``config/``: LDAP URLs of
    atlassian-user.xml, say), Kafka's ``bootstrap.servers`` when ``security.protocol``
    is SSL or SASL_SSL, and JavaMail's ``mail.smtp.host`` (and imap, pop3) with their
    port and TLS mode."""
    candidates = [
        folder / "dbconfig.xml",
        folder / "confluence.cfg.xml",
        folder / "bitbucket.properties",
        folder / "shared" / "bitbucket.properties",
    ]
    for sub in (folder, folder / "config"):
        with contextlib.suppress(OSError):
            candidates += sorted(sub.glob("*.properties"))[:50]
            candidates += sorted(sub.glob("*.xml"))[:50]  # atlassian-user.xml: LDAP URLs
    found: dict[str, None] = {}
    for path in dict.fromkeys(candidates):
        try:
            if not path.is_file():  # a folder or a pipe named *.xml: not a config
                continue
            with path.open("r", encoding="utf-8", errors="replace") as fh:
                text = fh.read(4 << 20)
        except OSError:
            continue
        for m in _JDBC.finditer(text):
            kind = "postgres" if m.group("kind").lower() == "postgresql" else "mysql"
            port = m.group("port") or ("5432" if kind == "postgres" else "3306")
            found.setdefault(f"{kind}://{m.group('host')}:{port}", None)
        for url in urls_in(_JDBC_URL.sub(" ", text)):
            found.setdefault(url, None)
        if path.suffix == ".properties":
            for spec in _kafka_servers(text) + _mail_servers(text):
                found.setdefault(spec, None)
    return list(found)


def _mail_servers(text: str) -> list[str]:
    """JavaMail's ``mail.smtp.host``/``mail.imap.host``/... with their port and TLS mode:
    ``mail.<p>.ssl.enable`` is implicit TLS, else STARTTLS as the protocol speaks it."""
    from sslpoke.java.discovery import parse_properties

    props = parse_properties(text)
    out = []
    for proto, implicit, plain in (
        ("smtp", ("smtps", 465), ("smtp", 587)),
        ("imap", ("imaps", 993), ("imap", 143)),
        ("pop3", ("pop3s", 995), ("pop3", 110)),
    ):
        for prefix in (f"mail.{proto}", f"mail.{proto}s"):
            host = props.get(f"{prefix}.host", "").strip()
            if not host or any(c.isspace() for c in host):
                continue
            ssl = props.get(
                f"{prefix}.ssl.enable", ""
            ).strip().lower() == "true" or prefix.endswith("s")
            scheme, port = implicit if ssl else plain
            port_text = props.get(f"{prefix}.port", "").strip()
            out.append(f"{scheme}://{host}:{port_text if port_text.isdigit() else port}")
    return out


def _kafka_servers(text: str) -> list[str]:
    """Kafka's ``bootstrap.servers`` when the file says the connection uses TLS."""
    from sslpoke.java.discovery import parse_properties

    props = parse_properties(text)
    if props.get("security.protocol", "").upper() not in ("SSL", "SASL_SSL"):
        return []
    servers = props.get("bootstrap.servers", "")
    return [s.strip() for s in servers.split(",") if s.strip()][:1000]


#: Service ports a JVM's outbound connections are listed for (TLS, or STARTTLS the
#: probe speaks on that port).
SERVICE_PORTS = frozenset(
    {443, 8443, 636, 389, 3269, 465, 587, 25, 993, 143, 995, 110, 5432, 3306, 1433, 9093, 5671}
)
MAX_PROC_READ = 4 << 20


def from_java_process(pid: int, proc: Path = Path("/proc")) -> list[str]:
    """The endpoints a running JVM is configured to use, or is connected to: the URLs in
    its command line (``-Dldap.url=ldaps://...``), its application folders
    (``-Djira.home``, ``-Dconfluence.home``, ``catalina.home`` with Jira's
    ``jira-application.properties`` or Confluence's ``confluence-init.properties``, its
    working directory) read as for ``--from-app-dir``, then its established outbound
    connections to service ports (by address: /proc/PID/net/tcp, sockets it owns)."""
    from sslpoke.errors import UsageError

    base = proc / str(pid)
    try:
        raw = (base / "cmdline").read_bytes()[:MAX_PROC_READ]
    except OSError as exc:
        raise UsageError(
            f"--from-java {pid}: cannot read its command line ({exc.strerror}): "
            "is it running, and are you its user or root?"
        ) from None
    argv = [a.decode("utf-8", "replace") for a in raw.split(b"\0") if a]
    if not argv or not Path(argv[0]).name.startswith("java"):
        try:
            exe = (base / "exe").readlink().name
        except OSError:
            exe = ""
        if exe != "java":
            raise UsageError(f"--from-java {pid}: not a Java process ({argv[0] if argv else '?'})")
    found: dict[str, None] = dict.fromkeys(urls_in(" ".join(argv)))
    for folder in _app_folders(argv, base):
        for spec in from_app_dir(folder):
            found.setdefault(spec, None)
    for spec in _connections(base):
        found.setdefault(spec, None)
    return list(found)[:MAX_TARGETS]


def _app_folders(argv: list[str], base: Path) -> list[Path]:
    props: dict[str, str] = {}
    for arg in argv[1:]:
        if arg.startswith("-D") and "=" in arg:
            key, _, value = arg[2:].partition("=")
            props[key] = value
    folders: list[Path] = []
    for key, value in props.items():
        if key.endswith((".home", ".base")) and value.startswith("/"):
            folders.append(Path(value))
    for key in ("catalina.home", "catalina.base"):
        if key not in props:
            continue
        classes = Path(props[key])
        for rel, name in (
            ("atlassian-jira/WEB-INF/classes/jira-application.properties", "jira.home"),
            ("confluence/WEB-INF/classes/confluence-init.properties", "confluence.home"),
        ):
            home = _property(classes / rel, name)
            if home:
                folders.append(Path(home))
    with contextlib.suppress(OSError):
        folders.append((base / "cwd").readlink())
    return list(dict.fromkeys(folders))


def _property(path: Path, name: str) -> str | None:
    from sslpoke.java.discovery import parse_properties

    try:
        text = path.read_text("utf-8", "replace")[:MAX_PROC_READ]
    except OSError:
        return None
    value = parse_properties(text).get(name, "").strip()
    return value or None


def _connections(base: Path) -> list[str]:
    """host:port of the established TCP connections the process owns, to service ports."""
    inodes: set[str] = set()
    try:
        for count, fd in enumerate((base / "fd").iterdir()):
            if count > 65536:
                break
            try:
                link = str(fd.readlink())
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    except OSError:
        return []
    out: list[str] = []
    for table, v6 in (("tcp", False), ("tcp6", True)):
        try:
            lines = (base / "net" / table).read_text()[:MAX_PROC_READ].splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 10 or fields[3] != "01" or fields[9] not in inodes:
                continue  # 01: ESTABLISHED
            address = _address(fields[2], v6)
            if address is not None and address[1] in SERVICE_PORTS:
                host, port = address
                out.append(f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
    return list(dict.fromkeys(out))


def _address(field: str, v6: bool) -> tuple[str, int] | None:
    """/proc/net/tcp's ``0100007F:01BB`` (little-endian words) as ("127.0.0.1", 443)."""
    import ipaddress

    hexaddr, _, hexport = field.partition(":")
    try:
        raw = bytes.fromhex(hexaddr)
        port = int(hexport, 16)
    except ValueError:
        return None
    if len(raw) not in (4, 16) or (len(raw) == 16) != v6:
        return None
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    ip = ipaddress.ip_address(words)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return str(ip), port
