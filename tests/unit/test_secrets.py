import logging
import os
import typing

import pytest

from mailkit.errors import SecretError
from mailkit.secrets import Secret, SecretRef, SecretsFile, is_reference, logger, redact, resolve


def test_reference_forms():
    assert SecretRef.parse("env:SMTP_PASSWORD") == SecretRef("env", "SMTP_PASSWORD")
    assert SecretRef.parse("file:/run/secrets/smtp") == SecretRef("file", "/run/secrets/smtp")
    assert SecretRef.parse("keyring:mailkit/info@example.test") == SecretRef("keyring", "mailkit/info@example.test")
    assert str(SecretRef.parse("workspace:info.password")) == "workspace:info.password"


@pytest.mark.parametrize("text", ["hunter2", "smtp:pw", "env:", "keyring:only-service", "", None])
def test_bad_references_are_refused_without_echoing_them(text):
    assert not is_reference(text)
    with pytest.raises(SecretError) as caught:
        SecretRef.parse(text)
    if text and ":" not in text:
        assert text not in str(caught.value)


def test_secret_hides_itself():
    secret = Secret("s3cr3t-value", "env:X")
    assert "s3cr3t" not in repr(secret) and "s3cr3t" not in str(secret) and "s3cr3t" not in f"{secret}"
    assert "env:X" in repr(secret)
    assert secret.reveal() == "s3cr3t-value"
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(secret)


def test_env_reference(monkeypatch):
    monkeypatch.setenv("MK_TEST_PW", "from-env-123")
    assert resolve("env:MK_TEST_PW").reveal() == "from-env-123"
    monkeypatch.delenv("MK_TEST_PW")
    with pytest.raises(SecretError, match="env:MK_TEST_PW is missing: set the environment variable MK_TEST_PW"):
        resolve("env:MK_TEST_PW")


def test_file_reference_needs_mode_0600(tmp_path):
    path = tmp_path / "pw"
    path.write_text("file-secret-456\n")
    os.chmod(path, 0o644)
    with pytest.raises(SecretError) as caught:
        resolve(f"file:{path}")
    assert "mode 0644" in str(caught.value) and f"chmod 600 {path}" in str(caught.value)
    assert "file-secret-456" not in str(caught.value)
    os.chmod(path, 0o600)
    assert resolve(f"file:{path}").reveal() == "file-secret-456"
    os.chmod(path, 0o400)
    assert resolve(f"file:{path}").reveal() == "file-secret-456"


def test_missing_file_names_the_reference(tmp_path):
    with pytest.raises(SecretError, match=f"file:{tmp_path}/nope is missing"):
        resolve(f"file:{tmp_path}/nope")


def test_workspace_secrets_file_is_created_private(tmp_path):
    store = SecretsFile(tmp_path / "secrets.toml")
    assert store.set("info.password", 'pa"ss=wörd') == "workspace:info.password"
    assert os.stat(store.path).st_mode & 0o777 == 0o600
    assert store.get("info.password").reveal() == 'pa"ss=wörd'
    assert resolve("workspace:info.password", store.path).reveal() == 'pa"ss=wörd'
    assert store.names() == ["info.password"]
    store.delete("info.password")
    assert store.names() == []


def test_workspace_secret_missing_and_unsafe(tmp_path):
    store = SecretsFile(tmp_path / "secrets.toml")
    with pytest.raises(SecretError, match="workspace:nope is missing"):
        store.get("nope")
    with pytest.raises(SecretError, match="needs a workspace"):
        resolve("workspace:nope")
    store.set("a", "value-a")
    os.chmod(store.path, 0o664)
    with pytest.raises(SecretError, match="chmod 600"):
        store.get("a")


def test_keyring_without_backend_says_what_to_use(monkeypatch):
    keyring = pytest.importorskip("keyring")
    from keyring.backends import fail

    monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
    with pytest.raises(SecretError, match="no keyring backend"):
        resolve("keyring:mailkit/info")


def test_keyring_backend_is_used(monkeypatch):
    keyring = pytest.importorskip("keyring")
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1
        store: typing.ClassVar[dict] = {("mailkit", "info"): "from-keyring-789"}

        def get_password(self, service, username):
            return self.store.get((service, username))

        def set_password(self, service, username, password):
            self.store[(service, username)] = password

        def delete_password(self, service, username):
            self.store.pop((service, username), None)

    monkeypatch.setattr(keyring, "get_keyring", lambda: Memory())
    monkeypatch.setattr(keyring, "get_password", Memory().get_password)
    assert resolve("keyring:mailkit/info").reveal() == "from-keyring-789"
    with pytest.raises(SecretError, match="keyring:mailkit/other is missing"):
        resolve("keyring:mailkit/other")


def test_redaction_in_text_and_logs(caplog, monkeypatch):
    monkeypatch.setenv("MK_LOG_PW", "log-secret-000")
    secret = resolve("env:MK_LOG_PW")
    assert redact(f"AUTH PLAIN user {secret.reveal()}") == "AUTH PLAIN user ***"
    log = logger("mailkit.test")
    with caplog.at_level(logging.INFO, logger="mailkit.test"):
        log.info("login with %s failed", secret.reveal())
    assert "log-secret-000" not in caplog.text
    assert "login with *** failed" in caplog.text
