"""What jobtui keeps on disk: its settings (config.toml). No widgets, no Textual."""
