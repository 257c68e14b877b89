"""The lab: certificates and loopback servers for ``sslpoke demo`` and the tests."""
