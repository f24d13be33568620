"""The test suite's settings: production's, with what the tests need set explicitly (D57)."""

import os

# Before the import: the production settings refuse to load without a secret, and the test client
# speaks plain HTTP. Subprocesses the tests start inherit both.
os.environ.setdefault("ONETRIP_SECRET_KEY", "tests-only-secret-never-deployed")
os.environ.setdefault("ONETRIP_HTTPS", "0")
os.environ.setdefault("ONETRIP_CACHE_URL", "locmem://")  # onetrip/conftest.py clears it per test

from onetrip.settings import *  # noqa: E402, F403

# Static files from the app folders, as in the demo: no collectstatic manifest for tests.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
