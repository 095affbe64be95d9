"""What jobtui keeps on disk: its settings (config.toml), the job history, the paths and locks
they live under. No widgets, no Textual."""
