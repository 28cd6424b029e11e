"""The document storage port: the local folder and the in-memory adapter behave alike, and
the document store writes through whichever adapter is installed."""
import pytest

from domain.documents import storage


@pytest.fixture(params=["folder", "memory"])
def store(request, tmp_path):
    return storage.LocalFolder(tmp_path / "docs") if request.param == "folder" \
        else storage.InMemory()


def test_put_get_exists(store):
    assert not store.exists("1.bin")
    store.put("1.bin", b"\x00sealed")
    assert store.exists("1.bin") and store.get("1.bin") == b"\x00sealed"
    store.put("1.bin", b"again")  # replaced whole
    assert store.get("1.bin") == b"again"
    with pytest.raises(KeyError):
        store.get("2.bin")


def test_the_folder_refuses_keys_that_leave_it(tmp_path):
    folder = storage.LocalFolder(tmp_path)
    for key in ("../x", "a/b", ".hidden", ""):
        with pytest.raises(ValueError):
            folder.put(key, b"x")
    folder.put("ok.bin", b"x")
    assert (tmp_path / "ok.bin").stat().st_mode & 0o077 == 0
    assert [p.name for p in tmp_path.iterdir()] == ["ok.bin"]  # no temporary left behind


def test_installed_adapter_is_used_and_default_is_the_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("LENDBOOK_DATA_DIR", str(tmp_path))
    assert storage.current().folder == tmp_path / "documents"
    memory = storage.InMemory()
    storage.install(memory)
    try:
        assert storage.current() is memory
    finally:
        storage.install(None)
