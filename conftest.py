# the module that runs the CLI must not be imported by doctest collection
collect_ignore = ["mailkit/__main__.py"]
# the app notebooks start servers for a browser; tests/browser/test_onboarding_app.py drives them there
collect_ignore_glob = ["notebooks/apps/*"]
