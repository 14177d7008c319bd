"""Pure converters between mailkit's model and other programs' file formats (no I/O)."""
