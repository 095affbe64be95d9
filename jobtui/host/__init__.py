"""The per-user session host: its socket wire, its listener, and (later) the host itself."""
