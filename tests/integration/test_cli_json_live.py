"""Every command's ``--json`` against the sandbox's real servers: the envelope and the command's schema."""

from pathlib import Path

SCHEMAS = {p.stem for p in (Path(__file__).resolve().parents[2] / "mailkit" / "cli" / "schemas").glob("*.json")}

MESSAGE = b"From: info@mailkit.test\r\nTo: vertrieb@mailkit.test\r\nSubject: Angebot 7\r\n\r\nanbei\r\n"


def test_every_command_gives_its_schema_against_the_sandbox(fresh_sandbox, cli, check_envelope, tmp_path, monkeypatch):
    ws = str(fresh_sandbox.workspace.path)
    (tmp_path / "m.eml").write_bytes(MESSAGE)
    (tmp_path / "batch.csv").write_text("to;subject;body\nvertrieb@mailkit.test;Rechnung 1;Hallo\n", encoding="cp1252")
    monkeypatch.setenv("MAILKIT_TEST_SECRET", "s3cret")
    fresh_sandbox.deliver(
        MESSAGE.replace(b"Subject:", b"Message-ID: <json7@mailkit.test>\r\nSubject:"), ["info@mailkit.test"]
    )
    seen = set()

    def run(*argv, expect=0):
        words = tuple(a for a in argv if not a.startswith("-"))[:2]
        code, out, err = cli("-w", ws, "--json", *argv)
        assert code == expect, f"{argv}: exit {code}: {err}"
        found = next(w for w in (words, words[:1]) if "-".join(w) in SCHEMAS)
        seen.add(found)
        return check_envelope(out, code, found)["data"]

    assert [a["name"] for a in run("accounts", "list")] == ["buchhaltung", "einkauf", "info", "vertrieb"]
    assert run("accounts", "show", "info")["name"] == "info"
    assert run("check", "info")["ok"] is True
    assert run("send-test", "info", "--to", "info@mailkit.test")["status"] == "sent"
    run("send", "info", "--to", "vertrieb@mailkit.test", "--subject", "Angebot 7", "--body", "anbei")
    assert run("send-batch", "info", str(tmp_path / "batch.csv"), "--pause-ms", "0")["sent"] == 1
    run("send-retry-copies", "info")
    assert run("sync", "info")["totals"]["new"] >= 1  # the delivered mail (and the test mail sent to info)
    run("record-folder", "create", "info", "--record-type", "quote", "--record", "7", "--customer-number", "K1",
        "--customer-name", "Kunde")  # fmt: skip
    run("sync-record", "info", "--record-type", "quote", "--record", "7")
    assert len(run("record-folder", "list", "info")) == 1
    assert run("record-folder", "close", "info", "--record-type", "quote", "--record", "7")["closed_folders"] == 1
    assert run("cleanup-folders", "info")[0]["action"] in ("deleted", "kept")
    run("journal", "quarantine")
    run("journal", "report")
    run("journal", "export", "--out", str(tmp_path / "export"), "--format", "csv")
    run("journal", "explore", "volume")
    run("journal", "bounces")
    run("journal", "ingest-reports", str(tmp_path / "m.eml"))
    assert run("journal", "purge", "--older-than", "3650")["total"] == 0
    listed = run("journal", "list", "--limit", "5")
    assert listed["rows"] and run("journal", "show", str(listed["rows"][0]["id"]))["message"]
    run("accounts", "receive", "info")
    run("diagnose", "info", "--timeout", "5")
    saved = run("autoconfig", "info@mailkit.test", "--source", "autoconfig", "--save", "auto")["saved"]
    assert saved["name"] == "auto" and run("accounts", "show", "auto")["receiving"]["host"]
    assert (
        run("accounts", "set", "auto", "display_name=Auto GmbH", "dkim_selector=j1")["changed"]["dkim_selector"] == "j1"
    )
    run("users", "set", "mm", "full_name=Max Muster", "groups=vertrieb")
    run("groups", "set", "vertrieb", "senders=vertrieb@mailkit.test")
    assert "mm" in run("users", "list") and "vertrieb" in run("groups", "list")
    assert run("senders", "info", "invoice=buchhaltung@mailkit.test")["senders"] == {
        "invoice": "buchhaltung@mailkit.test"
    }
    run("signature", "--account", "info", "--text", "Mailkit Demo GmbH")
    assert run("policy", "bcc_archive=buchhaltung@mailkit.test")["bcc_archive"] == "buchhaltung@mailkit.test"
    run("users", "remove", "mm")
    run("groups", "remove", "vertrieb")
    run("dkim", "generate", "--domain", "mailkit.test", "--selector", "j1")
    record = run("dkim", "record", "--domain", "mailkit.test", "--selector", "j1")
    run("dkim", "check", "--domain", "mailkit.test", "--selector", "j1", expect=1)
    run("sandbox", "publish", "--dir", ws, record["name"], "TXT", record["value"])
    assert run("dkim", "check", "--domain", "mailkit.test", "--selector", "j1")["status"] == "matches"
    signed = tmp_path / "signed.eml"
    assert run("dkim", "sign", str(tmp_path / "m.eml"), "--selector", "j1", "-o", str(signed))["output"]
    assert run("dkim", "verify", str(signed))["ok"] is True
    run("dkim", "rotate", "--domain", "mailkit.test", "--old", "j1", "--new", "j2")
    run("dkim", "suggest", "--domain", "mailkit.test")
    assert run("secrets", "set", "extra.key", "--password-env", "MAILKIT_TEST_SECRET") == {
        "reference": "workspace:extra.key"
    }
    assert "workspace:extra.key" in run("secrets", "list")
    run("accounts", "add", "extra", "--address", "extra@mailkit.test", "--smtp-host", "localhost", "--auth", "none")
    assert run("accounts", "export-kivitendo", "info")["text"].startswith("[")
    assert run("accounts", "remove", "extra")["removed"] is True
    assert run("sandbox", "status", "--dir", ws, expect=1)["running"] is False  # in-process here, not a service
    assert run("init", str(tmp_path / "new-ws"))["config_file"].endswith("mailkit.toml")
    assert len(seen) >= 45
