import pytest


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path):
    settings.MADOGUCHI_SIGNING_DIR = str(tmp_path / "signing")
    settings.MEDIA_ROOT = str(tmp_path / "media")
