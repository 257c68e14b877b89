"""Reading a JVM's own validation rules: java.security, overrides, -D options, versions."""

from __future__ import annotations

from pathlib import Path

from sslpoke.java.rules import (
    parse_disabled,
    parse_version,
    profile_for,
    read_properties,
    read_rules,
)


def _jdk(tmp: Path, version: str, security: str) -> Path:
    home = tmp / f"jdk-{version}"
    (home / "conf" / "security").mkdir(parents=True)
    (home / "release").write_text(f'JAVA_VERSION="{version}"\nIMPLEMENTOR="Test"\n')
    (home / "conf" / "security" / "java.security").write_text(security)
    return home


def test_properties_continuations_and_comments() -> None:
    text = "# c\n! c\na=1\nb = x, \\\n    y\nc: z\n"
    assert read_properties(text) == {"a": "1", "b": "x, y", "c": "z"}


def test_versions() -> None:
    assert parse_version("1.8.0_402") == (8, 0, 402)
    assert parse_version("17.0.15") == (17, 0, 15)
    assert parse_version("25") == (25,)


def test_disabled_algorithms_forms() -> None:
    d = parse_disabled(
        "MD2, MD5, SHA1 jdkCA & usage TLSServer, RSA keySize < 2048, DSA, EC keySize <= 255, "
        "SHA1 usage SignedJAR & denyAfter 2019-01-01, secp256k1, Ed448, SHA224withRSA, foo bar"
    )
    assert d.forbidden_hashes == {"md2", "md5", "sha224"}
    assert d.sha1_only_under_jdkca and d.min_rsa == 2048 and d.min_dsa is None
    assert d.min_ec == 256 and "secp256k1" in d.disabled_curves and not d.eddsa
    assert d.unrecognized == ("foo bar",)


def test_security_properties_file_adds_or_replaces(tmp_path: Path) -> None:
    home = _jdk(
        tmp_path,
        "17.0.9",
        "jdk.certpath.disabledAlgorithms=MD5\njdk.security.caDistrustPolicies=SYMANTEC_TLS\n",
    )
    extra = tmp_path / "extra.security"
    extra.write_text("jdk.certpath.disabledAlgorithms=MD5, RSA keySize < 3072\n")
    added = read_rules(home, {"java.security.properties": str(extra)})
    assert "RSA keySize < 3072" in added.certpath_disabled and added.ca_distrust == {"SYMANTEC_TLS"}
    replaced = read_rules(home, {"java.security.properties": f"={extra}"})
    assert replaced.ca_distrust == frozenset()
    assert profile_for(added).min_rsa_bits == 3072


def test_allow_non_ca_anchor_and_versions(tmp_path: Path) -> None:
    old = profile_for(
        read_rules(
            _jdk(tmp_path, "11.0.2", "jdk.certpath.disabledAlgorithms=MD5\n"),
            {"jdk.security.allowNonCaAnchor": "true"},
        )
    )
    assert not old.anchor_must_be_ca and "secp256k1" in (old.allowed_curves or ())
    new = profile_for(read_rules(_jdk(tmp_path, "25.0.1", "jdk.certpath.disabledAlgorithms=MD5\n")))
    assert new.anchor_must_be_ca and new.tls_refused_signatures == {"dsa", "sha224"}
    assert new.allowed_curves == {"secp256r1", "secp384r1", "secp521r1"}


def test_unreadable_security_file_means_defaults_not_no_rules(tmp_path: Path) -> None:
    rules = read_rules(tmp_path / "no-such-jdk", {})
    profile = profile_for(rules)
    assert {"md5", "md2"} <= profile.forbidden_hashes and profile.min_rsa_bits == 1024
    assert any("unreadable" in s for s in rules.sources)
