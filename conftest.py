# the module that runs the CLI must not be imported by doctest collection
collect_ignore = ["mailkit/__main__.py"]
