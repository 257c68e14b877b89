"""The network side: TCP, STARTTLS dialects, the capturing handshake."""
