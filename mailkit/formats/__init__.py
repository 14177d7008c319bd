"""Pure converters between mailkit's model and other programs' formats."""
