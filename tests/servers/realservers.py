"""Real servers from Debian packages, started on loopback with lab certificates.

Each runs in the foreground from its own temporary folder, with the lab's leaf,
intermediate and key, and is stopped (and its folder removed) by its context
manager. Readiness is a TCP connect that succeeds; nothing waits a fixed time.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from sslpoke.lab.pki import Issued
from tests.conftest import skip_or_fail_in_ci


@contextmanager
def server_dir(prefix: str) -> Iterator[Path]:
    """A folder the servers' own users (postfix, dovecot...) can traverse: pytest's are private."""
    folder = Path(tempfile.mkdtemp(prefix=f"sslpoke-{prefix}-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def wait_for_ports(
    proc: subprocess.Popen[bytes], ports: list[int], log: Path, timeout: float = 20.0
) -> None:
    deadline = time.monotonic() + timeout
    pending = list(ports)
    while pending:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {_tail(log)}")
        try:
            with socket.create_connection(("127.0.0.1", pending[0]), timeout=0.2):
                pending.pop(0)
                continue
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"server did not listen on {pending} within {timeout:g} s: {_tail(log)}"
            )
        time.sleep(0.02)  # polling the condition (a listening port), not waiting blindly


def _tail(log: Path) -> str:
    try:
        return log.read_text(errors="replace")[-2000:]
    except OSError:
        return "(no log)"


def need(binary: str, package: str) -> str:
    path = shutil.which(binary) or (
        f"/usr/sbin/{binary}" if Path(f"/usr/sbin/{binary}").exists() else None
    )
    if path is None:
        skip_or_fail_in_ci(
            f"{binary} is not installed (Debian package {package}; ./bootstrap installs it as root)"
        )
    return path


def need_root(server: str, why: str) -> None:
    """Some servers cannot run unprivileged here: skip (saying why) for a non-root user."""
    if os.geteuid() != 0:
        pytest.skip(f"{server} needs root here ({why}); run the suite as root to include it")


def tls_files(
    folder: Path, leaf: Issued, chain: list[Issued], name: str = "tls"
) -> tuple[Path, Path]:
    """Write ``leaf + chain`` and the key; folders readable by the servers' own users."""
    folder.mkdir(parents=True, exist_ok=True)
    cert = folder / f"{name}-chain.pem"
    key = folder / f"{name}-key.pem"
    cert.write_bytes(leaf.pem + b"".join(c.pem for c in chain))
    key.write_bytes(leaf.key_pem)
    folder.chmod(0o755)
    cert.chmod(0o644)
    key.chmod(0o644)
    return cert, key


@contextmanager
def running(
    proc: subprocess.Popen[bytes], ports: list[int], log: Path, timeout: float = 20.0
) -> Iterator[None]:
    """Wait until ``proc`` listens on ``ports``; stop it however the ``with`` block ends."""
    try:
        wait_for_ports(proc, ports, log, timeout)
        yield
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


# --- nginx ------------------------------------------------------------------------


@contextmanager
def nginx(folder: Path, sites: dict[str, tuple[Path, Path]]) -> Iterator[dict[str, int]]:
    """One HTTPS server per site name, each with its own certificate files; yields name -> port."""
    binary = need("nginx", "nginx")
    ports = {name: free_port() for name in sites}
    for sub in ("logs", "tmp"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    servers = "\n".join(
        f"""  server {{ listen 127.0.0.1:{ports[name]} ssl; server_name localhost;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_certificate {cert}; ssl_certificate_key {key};
    location / {{ return 200 "ok\\n"; }} }}"""
        for name, (cert, key) in sites.items()
    )
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""daemon off; master_process on; worker_processes 1; user root;
pid {folder}/nginx.pid; error_log {folder}/logs/error.log warn;
events {{ worker_connections 64; }}
http {{ access_log off;
  client_body_temp_path {folder}/tmp/body; proxy_temp_path {folder}/tmp/proxy; fastcgi_temp_path {folder}/tmp/fcgi;
  uwsgi_temp_path {folder}/tmp/uwsgi; scgi_temp_path {folder}/tmp/scgi;
{servers}
}}
"""
    )
    log = folder / "logs" / "error.log"
    proc = subprocess.Popen(
        [binary, "-p", str(folder), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with running(proc, list(ports.values()), log):
        yield ports


# --- dovecot ----------------------------------------------------------------------


@contextmanager
def dovecot(
    folder: Path,
    cert: Path,
    key: Path,
    *,
    plaintext_without_tls: bool,
    mechanisms: str = "plain login",
) -> Iterator[dict[str, object]]:
    """IMAP (STARTTLS), IMAPS, POP3 (STLS), POP3S, and an auth socket for postfix's SASL."""
    binary = need("dovecot", "dovecot-imapd dovecot-pop3d")
    need_root("dovecot", "its master process chowns its sockets to the dovecot users")
    ports = {name: free_port() for name in ("imap", "imaps", "pop3", "pop3s")}
    for sub in ("run", "state", "mail"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    auth_socket = folder / "run" / "auth-postfix"
    conf = folder / "dovecot.conf"
    conf.write_text(
        f"""protocols = imap pop3
listen = 127.0.0.1
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = {"no" if plaintext_without_tls else "yes"}
auth_mechanisms = {mechanisms}
mail_location = maildir:{folder}/mail/%u
passdb {{
  driver = static
  args = password=testpass
}}
userdb {{
  driver = static
  args = uid=root gid=root home={folder}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    port = {ports["imap"]}
  }}
  inet_listener imaps {{
    port = {ports["imaps"]}
    ssl = yes
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = {ports["pop3"]}
  }}
  inet_listener pop3s {{
    port = {ports["pop3s"]}
    ssl = yes
  }}
}}
service auth {{
  unix_listener {auth_socket} {{
    mode = 0666
  }}
}}
"""
    )
    log = folder / "dovecot.log"
    proc = subprocess.Popen(
        [binary, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    with running(proc, list(ports.values()), log):
        yield {**ports, "auth_socket": auth_socket}


# --- postfix ----------------------------------------------------------------------


@contextmanager
def postfix(
    folder: Path, cert: Path, key: Path, *, sasl_socket: Path | None
) -> Iterator[dict[str, int]]:
    """SMTP with STARTTLS (the port-25 service), submission (587-style, TLS required) and SMTPS (465-style)."""
    need("postfix", "postfix")
    need_root("postfix", "its master process and queue directories belong to root and postfix")
    ports = {name: free_port() for name in ("smtp", "submission", "smtps")}
    etc = folder / "etc"
    etc.mkdir(parents=True, exist_ok=True)
    for sub in ("spool", "data"):
        (folder / sub).mkdir(exist_ok=True)
    folder.chmod(0o755)
    shutil.chown(folder / "data", "postfix")
    sasl = ""
    if sasl_socket is not None:
        sasl = f"""smtpd_sasl_type = dovecot
smtpd_sasl_path = {sasl_socket}
smtpd_sasl_auth_enable = yes
smtpd_tls_auth_only = yes
"""
    (etc / "main.cf").write_text(
        f"""compatibility_level = 3.6
queue_directory = {folder}/spool
data_directory = {folder}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = localhost
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
maillog_file = {folder}/postfix.log
maillog_file_prefixes = /var, /dev/stdout, {folder}
smtpd_tls_cert_file = {cert}
smtpd_tls_key_file = {key}
smtpd_tls_security_level = may
{sasl}"""
    )
    master = []
    for line in Path("/etc/postfix/master.cf").read_text().splitlines():
        fields = line.split()
        if line.startswith("smtp ") and len(fields) >= 8 and fields[1] == "inet":
            continue
        if fields and not line.startswith((" ", "#", "\t")) and len(fields) >= 8:
            fields[4] = "n"  # no chroot
            line = "  ".join(fields)
        master.append(line)
    master += [
        f"127.0.0.1:{ports['smtp']} inet n - n - - smtpd",
        f"127.0.0.1:{ports['submission']} inet n - n - - smtpd",
        "  -o smtpd_tls_security_level=encrypt",
        f"127.0.0.1:{ports['smtps']} inet n - n - - smtpd",
        "  -o smtpd_tls_wrappermode=yes",
    ]
    (etc / "master.cf").write_text("\n".join(master) + "\n")
    log = folder / "postfix.log"
    proc = subprocess.Popen(
        ["postfix", "-c", str(etc), "start-fg"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_ports(proc, list(ports.values()), log)
        yield ports
    finally:
        subprocess.run(["postfix", "-c", str(etc), "stop"], capture_output=True, timeout=30)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=15)
        _stop(proc)


# --- slapd ------------------------------------------------------------------------


@contextmanager
def slapd(folder: Path, cert: Path | None, key: Path | None) -> Iterator[dict[str, int]]:
    """LDAP (StartTLS) and LDAPS; with no certificate, StartTLS is refused."""
    binary = need("slapd", "slapd")
    ports = {"ldap": free_port()}
    if cert is not None:
        ports["ldaps"] = free_port()
    (folder / "db").mkdir(parents=True, exist_ok=True)
    tls = f"TLSCertificateFile {cert}\nTLSCertificateKeyFile {key}\n" if cert is not None else ""
    conf = folder / "slapd.conf"
    conf.write_text(
        f"""include /etc/ldap/schema/core.schema
pidfile {folder}/slapd.pid
argsfile {folder}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
{tls}database mdb
suffix "dc=sslpoke,dc=test"
rootdn "cn=admin,dc=sslpoke,dc=test"
rootpw secret
directory {folder}/db
maxsize 10485760
"""
    )
    urls = f"ldap://127.0.0.1:{ports['ldap']}/" + (
        f" ldaps://127.0.0.1:{ports['ldaps']}/" if "ldaps" in ports else ""
    )
    log = folder / "slapd.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [binary, "-d", "0", "-f", str(conf), "-h", urls], stdout=out, stderr=out
        )
    with running(proc, list(ports.values()), log):
        yield ports


# --- PostgreSQL ------------------------------------------------------------------


@contextmanager
def postgres(folder: Path, cert: Path, key: Path) -> Iterator[dict[str, int]]:
    """A throwaway cluster with ssl = on, run as the postgres user (initdb refuses root)."""
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    if not bins:
        skip_or_fail_in_ci(
            "PostgreSQL is not installed (Debian package postgresql; ./bootstrap installs it as root)"
        )
    bindir = bins[-1].parent
    if os.geteuid() != 0:
        pytest.skip("starting PostgreSQL here needs root, to run it as the postgres user")
    port = free_port()
    data = folder / "data"
    tls = folder / "tls"
    tls.mkdir()
    shutil.copy(cert, tls / "server.crt")
    shutil.copy(key, tls / "server.key")
    for path in (folder, tls, tls / "server.crt", tls / "server.key"):
        shutil.chown(path, "postgres", "postgres")
    (tls / "server.key").chmod(0o600)
    as_postgres = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [
            *as_postgres,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(
            f"\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{folder}'\n"
            f"ssl = on\nssl_cert_file = '{tls}/server.crt'\nssl_key_file = '{tls}/server.key'\n"
        )
    log = folder / "postgres.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*as_postgres, str(bindir / "postgres"), "-D", str(data)], stdout=out, stderr=out
        )
    try:
        wait_for_ports(proc, [port], log, timeout=60)
        yield {"postgres": port}
    finally:
        _stop(proc)


# --- vsftpd ----------------------------------------------------------------------


@contextmanager
def vsftpd(
    folder: Path, cert: Path | None, key: Path | None, *, implicit: bool = False
) -> Iterator[int]:
    """FTP with AUTH TLS (or, ``implicit``, FTPS from the first byte); no certificate: no TLS."""
    binary = need("vsftpd", "vsftpd")
    need_root("vsftpd", "it drops privileges to a configured user and refuses to run otherwise")
    port = free_port()
    empty = folder / "empty"
    empty.mkdir(parents=True, exist_ok=True)
    tls = (
        f"ssl_enable=YES\nrsa_cert_file={cert}\nrsa_private_key_file={key}\n"
        f"implicit_ssl={'YES' if implicit else 'NO'}\nforce_local_logins_ssl=YES\n"
        if cert is not None
        else "ssl_enable=NO\n"
    )
    conf = folder / "vsftpd.conf"
    conf.write_text(
        f"""listen=YES
listen_address=127.0.0.1
listen_port={port}
background=NO
anonymous_enable=NO
local_enable=YES
pam_service_name=vsftpd
secure_chroot_dir={empty}
seccomp_sandbox=NO
xferlog_enable=NO
vsftpd_log_file={folder}/vsftpd.log
{tls}"""
    )
    log = folder / "vsftpd.out"
    with log.open("wb") as out:
        proc = subprocess.Popen([binary, str(conf)], stdout=out, stderr=out)
    with running(proc, [port], log):
        yield port


# --- prosody ---------------------------------------------------------------------


@contextmanager
def prosody(folder: Path, cert: Path, key: Path) -> Iterator[dict[str, int]]:
    """XMPP client ports: STARTTLS (5222-style) and direct TLS (5223-style, XEP-0368)."""
    binary = need("prosody", "prosody")
    ports = {"xmpp": free_port(), "xmpps": free_port()}
    (folder / "data").mkdir(parents=True, exist_ok=True)
    conf = folder / "prosody.cfg.lua"
    conf.write_text(
        f"""pidfile = "{folder}/prosody.pid"
data_path = "{folder}/data"
daemonize = false
run_as_root = true
log = {{ info = "{folder}/prosody.log" }}
interfaces = {{ "127.0.0.1" }}
c2s_ports = {{ {ports["xmpp"]} }}
c2s_direct_tls_ports = {{ {ports["xmpps"]} }}
s2s_ports = {{ }}
http_ports = {{ }}
https_ports = {{ }}
modules_enabled = {{ "tls"; "saslauth"; "disco" }}
modules_disabled = {{ "s2s"; "posix" }}
c2s_require_encryption = true
authentication = "internal_plain"
ssl = {{ certificate = "{cert}"; key = "{key}" }}
VirtualHost "localhost"
"""
    )
    log = folder / "prosody.log"
    proc = subprocess.Popen(
        [binary, "-F", "--config", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    with running(proc, list(ports.values()), log):
        yield ports


# --- MariaDB ---------------------------------------------------------------------


@contextmanager
def mariadb(folder: Path, cert: Path | None, key: Path | None) -> Iterator[int]:
    """A throwaway MariaDB (the MySQL protocol); with no certificate it offers no TLS."""
    binary = need("mariadbd", "mariadb-server")
    install = need("mariadb-install-db", "mariadb-server")
    if os.geteuid() != 0:
        pytest.skip("starting MariaDB here needs root (it runs with --user=root)")
    port = free_port()
    data = folder / "data"
    subprocess.run(
        [
            install,
            "--no-defaults",
            f"--datadir={data}",
            "--user=root",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    tls = [f"--ssl-cert={cert}", f"--ssl-key={key}"] if cert is not None else ["--skip-ssl"]
    log = folder / "mariadb.log"
    proc = subprocess.Popen(
        [
            binary,
            "--no-defaults",
            f"--datadir={data}",
            f"--socket={folder}/mysqld.sock",
            f"--pid-file={folder}/mysqld.pid",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            "--user=root",
            "--skip-name-resolve",
            "--innodb-buffer-pool-size=16M",
            f"--log-error={log}",
            *tls,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with running(proc, [port], log, timeout=60):
        yield port
