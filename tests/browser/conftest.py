"""The browser tests' marker (they are opt-in: see test_jupyterlab.py)."""


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives JupyterLab in Chromium (opt-in)")
