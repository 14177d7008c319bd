"""The journal's schema: the migrations that make it, in order.

The schema version of a journal is how many of :data:`MIGRATIONS` it has run;
:class:`~mailkit.journal.store.Journal` runs the missing ones, all in one transaction, when it opens
a journal. Each script is written once in the SQL both databases speak (the backend adapts the column
types, :meth:`~mailkit.journal.backends.PostgresBackend.ddl`). A change to the schema is a new entry
appended at the end; an entry that has shipped is never edited, since journals out there ran it.
"""

from __future__ import annotations

__all__ = ["MIGRATIONS"]


MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE messages (
        id            INTEGER PRIMARY KEY,
        message_key   TEXT NOT NULL UNIQUE,
        message_id    TEXT,
        in_reply_to   TEXT,
        refs          TEXT,             -- JSON list of Message-IDs
        date_utc      TEXT,             -- ISO 8601, UTC
        from_addr     TEXT,
        from_name     TEXT,
        to_addrs      TEXT,             -- JSON list
        cc_addrs      TEXT,             -- JSON list
        subject       TEXT,
        size          INTEGER NOT NULL,
        content_hash  TEXT NOT NULL,
        direction     TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        status        TEXT NOT NULL,
        account       TEXT NOT NULL,    -- the account it was first seen in
        record_type   TEXT,
        record_number TEXT,
        queue         TEXT,             -- ticket queue assigned by a processing route
        auth_results  TEXT,             -- JSON list of Authentication-Results values
        parse_errors  TEXT,             -- JSON list
        first_seen    TEXT NOT NULL
    );
    CREATE INDEX messages_date ON messages(date_utc);
    CREATE INDEX messages_message_id ON messages(message_id);
    CREATE INDEX messages_record ON messages(record_type, record_number);
    CREATE TABLE raw_messages (
        message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
        data       BLOB NOT NULL        -- compressed RFC 822 bytes, exactly as fetched (codec.py)
    );
    CREATE TABLE attachments (
        id         INTEGER PRIMARY KEY,
        message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        name       TEXT NOT NULL,
        mime_type  TEXT NOT NULL,
        size       INTEGER NOT NULL,
        sha256     TEXT NOT NULL,
        content    BLOB
    );
    CREATE INDEX attachments_message ON attachments(message_id);
    CREATE TABLE locations (
        id           INTEGER PRIMARY KEY,
        message_id   INTEGER REFERENCES messages(id) ON DELETE CASCADE,
        account      TEXT NOT NULL,
        folder       TEXT NOT NULL,
        uidvalidity  INTEGER NOT NULL CHECK (uidvalidity BETWEEN 1 AND 4294967295),
        uid          INTEGER NOT NULL CHECK (uid BETWEEN 1 AND 4294967295),
        flags        TEXT NOT NULL DEFAULT '',
        internaldate TEXT,
        present      INTEGER NOT NULL DEFAULT 1,
        seen_at      TEXT NOT NULL,
        gone_at      TEXT,
        UNIQUE (account, folder, uidvalidity, uid)
    );
    CREATE INDEX locations_message ON locations(message_id);
    CREATE INDEX locations_folder ON locations(account, folder, present);
    CREATE TABLE folder_state (
        account       TEXT NOT NULL,
        folder        TEXT NOT NULL,
        uidvalidity   INTEGER NOT NULL,
        uidnext       INTEGER NOT NULL,
        highestmodseq INTEGER,
        messages      INTEGER,
        synced_at     TEXT NOT NULL,
        PRIMARY KEY (account, folder)
    );
    CREATE TABLE pop3_state (
        account    TEXT NOT NULL,
        uidl       TEXT NOT NULL,
        message_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
        seen_at    TEXT NOT NULL,
        deleted    INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (account, uidl)
    );
    CREATE TABLE runs (
        id            INTEGER PRIMARY KEY,
        account       TEXT NOT NULL,
        folder        TEXT,
        kind          TEXT NOT NULL,    -- imap | pop3
        started_at    TEXT NOT NULL,
        finished_at   TEXT,
        status        TEXT NOT NULL,    -- running | ok | failed | cancelled
        dry_run       INTEGER NOT NULL DEFAULT 0,
        new           INTEGER NOT NULL DEFAULT 0,
        known         INTEGER NOT NULL DEFAULT 0,
        rebound       INTEGER NOT NULL DEFAULT 0,
        flags_changed INTEGER NOT NULL DEFAULT 0,
        gone          INTEGER NOT NULL DEFAULT 0,
        quarantined   INTEGER NOT NULL DEFAULT 0,
        errors        INTEGER NOT NULL DEFAULT 0,
        bytes         INTEGER NOT NULL DEFAULT 0,
        error_text    TEXT
    );
    CREATE TABLE sends (
        id               INTEGER PRIMARY KEY,
        account          TEXT NOT NULL,
        batch            TEXT,              -- a batch run's id: a re-run skips what it already sent
        batch_key        TEXT,              -- the row's key within the batch
        message_id       TEXT NOT NULL,     -- the Message-ID of the composed mail
        message_row      INTEGER REFERENCES messages(id) ON DELETE SET NULL,
        document_type    TEXT,
        record_number    TEXT,
        user             TEXT,
        sender           TEXT NOT NULL,
        recipients       TEXT NOT NULL,     -- JSON list (To, Cc and Bcc)
        subject          TEXT,
        transport        TEXT NOT NULL,     -- smtp | sendmail
        created_at       TEXT NOT NULL,     -- written before the attempt
        sent_at          TEXT,              -- written after it
        status           TEXT NOT NULL,     -- pending | sent | failed
        smtp_code        INTEGER,
        smtp_reply       TEXT,
        refused          TEXT,              -- JSON: recipient -> [code, reply]
        copy_status      TEXT NOT NULL DEFAULT 'none',  -- none | pending | copied | failed
        copy_folder      TEXT,
        copy_uidvalidity INTEGER,
        copy_uid         INTEGER,
        copy_error       TEXT,
        UNIQUE (batch, batch_key)
    );
    CREATE INDEX sends_status ON sends(status, created_at);
    CREATE TABLE record_folders (
        account       TEXT NOT NULL,
        folder        TEXT NOT NULL,
        record_type   TEXT NOT NULL,
        record_number TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        closed_at     TEXT,
        deleted_at    TEXT,
        PRIMARY KEY (account, folder)
    );
    CREATE TABLE quarantine (
        id          INTEGER PRIMARY KEY,
        account     TEXT NOT NULL,
        folder      TEXT NOT NULL,
        uidvalidity INTEGER,
        uid         INTEGER,
        reason      TEXT NOT NULL,
        size        INTEGER NOT NULL,
        data        BLOB NOT NULL,      -- compressed raw bytes (codec.py): nothing is lost
        created_at  TEXT NOT NULL,
        UNIQUE (account, folder, uidvalidity, uid)
    );
    """,
    # 2: deliverability (issue 16): DMARC aggregate reports, TLS reports and bounces, each with its own fields;
    # a report counts once by its organisation and id, a bounce once per journal message or file content
    """
    CREATE TABLE dmarc_reports (
        id          INTEGER PRIMARY KEY,
        org_name    TEXT NOT NULL,
        report_id   TEXT NOT NULL,
        email       TEXT,
        extra_contact_info TEXT,
        version     TEXT,
        domain      TEXT NOT NULL,
        begin_utc   TEXT,
        end_utc     TEXT,
        adkim       TEXT,
        aspf        TEXT,
        p           TEXT,
        sp          TEXT,
        np          TEXT,
        pct         INTEGER,
        fo          TEXT,
        errors      TEXT,             -- JSON list of the report's own <error>s
        messages    INTEGER NOT NULL, -- sum of the records' counts
        source      TEXT NOT NULL,    -- account/folder or the file it came from
        message_row INTEGER REFERENCES messages(id) ON DELETE SET NULL,
        ingested_at TEXT NOT NULL,
        UNIQUE (org_name, report_id)
    );
    CREATE INDEX dmarc_reports_domain ON dmarc_reports(domain, begin_utc);
    CREATE TABLE dmarc_records (
        id            INTEGER PRIMARY KEY,
        report        INTEGER NOT NULL REFERENCES dmarc_reports(id) ON DELETE CASCADE,
        source_ip     TEXT NOT NULL,
        count         INTEGER NOT NULL,
        disposition   TEXT,
        dkim          TEXT,             -- policy-evaluated (aligned) results
        spf           TEXT,
        header_from   TEXT,
        envelope_from TEXT,
        envelope_to   TEXT,
        reasons       TEXT,             -- JSON list of [type, comment]
        dkim_results  TEXT,             -- JSON list of [domain, selector, result]
        spf_results   TEXT              -- JSON list of [domain, scope, result]
    );
    CREATE INDEX dmarc_records_report ON dmarc_records(report);
    CREATE TABLE tls_reports (
        id          INTEGER PRIMARY KEY,
        org_name    TEXT NOT NULL,
        report_id   TEXT NOT NULL,
        begin_utc   TEXT,
        end_utc     TEXT,
        contact     TEXT,
        source      TEXT NOT NULL,
        message_row INTEGER REFERENCES messages(id) ON DELETE SET NULL,
        ingested_at TEXT NOT NULL,
        UNIQUE (org_name, report_id)
    );
    CREATE TABLE tls_policies (
        id            INTEGER PRIMARY KEY,
        report        INTEGER NOT NULL REFERENCES tls_reports(id) ON DELETE CASCADE,
        policy_type   TEXT NOT NULL,
        policy_domain TEXT NOT NULL,
        mx_hosts      TEXT,             -- JSON list
        succeeded     INTEGER NOT NULL,
        failed        INTEGER NOT NULL
    );
    CREATE INDEX tls_policies_report ON tls_policies(report);
    CREATE TABLE tls_failures (
        id                     INTEGER PRIMARY KEY,
        policy                 INTEGER NOT NULL REFERENCES tls_policies(id) ON DELETE CASCADE,
        result_type            TEXT NOT NULL,
        count                  INTEGER NOT NULL,
        sending_mta_ip         TEXT,
        receiving_mx_hostname  TEXT,
        receiving_ip           TEXT,
        additional_information TEXT,
        failure_reason_code    TEXT
    );
    CREATE INDEX tls_failures_policy ON tls_failures(policy);
    CREATE TABLE bounces (
        id                  INTEGER PRIMARY KEY,
        bounce_key          TEXT NOT NULL UNIQUE,  -- the journal message's key, or a hash of the file
        message_row         INTEGER REFERENCES messages(id) ON DELETE SET NULL,
        mta                 TEXT NOT NULL,
        original_message_id TEXT,
        original_subject    TEXT,
        reporting_mta       TEXT,
        arrival_utc         TEXT,
        date_utc            TEXT,
        source              TEXT NOT NULL,
        ingested_at         TEXT NOT NULL
    );
    CREATE INDEX bounces_original ON bounces(original_message_id);
    CREATE TABLE bounce_recipients (
        id         INTEGER PRIMARY KEY,
        bounce     INTEGER NOT NULL REFERENCES bounces(id) ON DELETE CASCADE,
        recipient  TEXT NOT NULL,
        action     TEXT NOT NULL,       -- failed | delayed
        status     TEXT,                -- RFC 3463 enhanced status code
        diagnostic TEXT,
        remote_mta TEXT,
        kind       TEXT NOT NULL,       -- hard | soft
        reason     TEXT NOT NULL,
        send_id    INTEGER REFERENCES sends(id) ON DELETE SET NULL,  -- the send it bounces, once linked
        UNIQUE (bounce, recipient)
    );
    CREATE INDEX bounce_recipients_send ON bounce_recipients(send_id);
    CREATE TABLE report_scans (         -- journal messages the deliverability hook has looked at
        message_row INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
        found       TEXT NOT NULL,      -- dmarc | tlsrpt | bounce | none | quarantined
        scanned_at  TEXT NOT NULL
    );
    """,
    # 3: identity by content (issue 13). A mail is the hash of its bytes, so two different mails
    # are never one row; rows sharing a Message-ID are linked; header_hash lets a scan rebind a
    # known mail without its body (filled in for older rows when the journal is opened)
    """
    ALTER TABLE messages ADD COLUMN header_hash TEXT;
    ALTER TABLE messages ADD COLUMN same_id_as INTEGER REFERENCES messages(id) ON DELETE SET NULL;
    UPDATE messages SET message_key = 'sha:' || content_hash;
    CREATE INDEX messages_rebind ON messages(header_hash, size)
    """,
    # 4: the seed systems' intake (issue 17): after-import actions until done, tickets, auto-replies, filed documents
    """
    CREATE TABLE pending_actions (
        id          INTEGER PRIMARY KEY,
        account     TEXT NOT NULL,
        folder      TEXT NOT NULL,
        uidvalidity INTEGER NOT NULL,
        uid         INTEGER NOT NULL,
        message_id  INTEGER REFERENCES messages(id) ON DELETE CASCADE,
        action      TEXT NOT NULL,      -- seen | delete | move:FOLDER
        attempts    INTEGER NOT NULL DEFAULT 0,
        last_error  TEXT,
        created_at  TEXT NOT NULL,
        done_at     TEXT,
        outcome     TEXT,               -- done | gone (the mail left the folder before)
        UNIQUE (account, folder, uidvalidity, uid)
    );
    CREATE INDEX pending_actions_open ON pending_actions(account, folder, done_at);
    ALTER TABLE messages ADD COLUMN ticket_number TEXT;
    ALTER TABLE messages ADD COLUMN ticket_status TEXT;   -- open | closed
    ALTER TABLE messages ADD COLUMN project TEXT;
    CREATE INDEX messages_ticket ON messages(ticket_number);
    CREATE INDEX messages_when ON messages(COALESCE(date_utc, first_seen), id);
    CREATE TABLE ticket_sequences (
        account TEXT NOT NULL,
        day     TEXT NOT NULL,          -- YYYYMMDD in the account's time zone
        last    INTEGER NOT NULL,
        PRIMARY KEY (account, day)
    );
    CREATE TABLE autoreplies (
        id          INTEGER PRIMARY KEY,
        account     TEXT NOT NULL,
        message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        recipient   TEXT,
        day         TEXT,               -- the calendar day (account's time zone) a reply counts for
        send_id     INTEGER REFERENCES sends(id) ON DELETE SET NULL,
        decision    TEXT NOT NULL,      -- sent | skipped | failed
        reason      TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        UNIQUE (message_id)
    );
    CREATE INDEX autoreplies_day ON autoreplies(account, recipient, day);
    CREATE TABLE documents (
        id            INTEGER PRIMARY KEY,
        message_id    INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        attachment    TEXT NOT NULL,    -- the name the mail gave it, as it was
        file          TEXT,             -- the path below the workspace it was filed as, NULL: handed to a hook
        sha256        TEXT NOT NULL,
        size          INTEGER NOT NULL,
        target        TEXT NOT NULL,    -- documents/<record or ticket> | hook MODULE:FUNCTION
        created_at    TEXT NOT NULL
    );
    CREATE INDEX documents_message ON documents(message_id);
    CREATE TABLE intake_state (
        message_id   INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
        account      TEXT NOT NULL,
        done_at      TEXT,              -- tickets, auto-reply and documents handled
        error        TEXT
    );
    """,
    # 5: how far an account's intake has looked (issue 17), so mail a killed run imported is not skipped
    """
    CREATE TABLE intake_marks (
        account  TEXT PRIMARY KEY,
        last_row INTEGER NOT NULL       -- messages up to this row id have been seen by the intake
    );
    """,
    # 6: S/MIME: each message's signature status (NULL: not checked), what was signed and for whom encrypted
    """
    ALTER TABLE messages ADD COLUMN smime_status TEXT;      -- valid | invalid | untrusted | expired | none
    ALTER TABLE messages ADD COLUMN smime_encrypted INTEGER;  -- 1: application/pkcs7-mime enveloped-data
    ALTER TABLE messages ADD COLUMN smime_detail TEXT;      -- JSON: signer, fingerprint, signing time, reason
    ALTER TABLE sends ADD COLUMN smime_signed INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sends ADD COLUMN smime_encrypted_for TEXT;  -- JSON list of addresses, NULL when not encrypted
    """,
    # 7: the shared journal (issue 14): which worker (host, process) made each run
    """
    ALTER TABLE runs ADD COLUMN worker_host TEXT;
    ALTER TABLE runs ADD COLUMN worker_pid INTEGER
    """,
    # 8: counts kept at ingest (issue 14): messages per UTC hour and per UTC month, counted from the messages there
    """
    CREATE TABLE hourly_counts (
        bucket TEXT NOT NULL,
        account TEXT NOT NULL,
        direction TEXT NOT NULL,
        smime_status TEXT NOT NULL,
        smime_encrypted INTEGER NOT NULL,
        messages INTEGER NOT NULL,
        PRIMARY KEY (bucket, account, direction, smime_status, smime_encrypted)
    );
    CREATE TABLE monthly_counts (
        bucket TEXT NOT NULL,
        account TEXT NOT NULL,
        direction TEXT NOT NULL,
        correspondent TEXT NOT NULL,
        spf TEXT NOT NULL,
        dkim TEXT NOT NULL,
        dmarc TEXT NOT NULL,
        messages INTEGER NOT NULL,
        first_date TEXT,
        last_date TEXT,
        PRIMARY KEY (bucket, account, direction, correspondent, spf, dkim, dmarc)
    );
    INSERT INTO hourly_counts (bucket, account, direction, smime_status, smime_encrypted, messages)
        SELECT COALESCE(substr(m.date_utc, 1, 13), ''), m.account, m.direction,
        COALESCE('=' || m.smime_status, ''), COALESCE(m.smime_encrypted, -1),
        count(*) FROM messages m WHERE 1 = 1 GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5;
    INSERT INTO monthly_counts (bucket, account, direction, correspondent, spf, dkim, dmarc, messages,
        first_date, last_date)
        SELECT COALESCE(substr(m.date_utc, 1, 7), ''), m.account, m.direction,
        COALESCE('=' || CASE WHEN m.direction = 'in'
        THEN m.from_addr ELSE json_extract(m.to_addrs, '$[0]') END, ''),
        COALESCE('=' || CASE WHEN m.auth_results IS NULL OR m.auth_results = '[]'
        THEN NULL WHEN instr(m.auth_results, 'spf=') > 0
        THEN substr(m.auth_results, instr(m.auth_results, 'spf=') + 4, 12)
        ELSE 'none' END, ''), COALESCE('=' || CASE WHEN m.auth_results IS NULL OR m.auth_results = '[]'
        THEN NULL WHEN instr(m.auth_results, 'dkim=pass') > 0
        THEN 'pass' WHEN instr(m.auth_results, 'dkim=') > 0
        THEN substr(m.auth_results, instr(m.auth_results, 'dkim=') + 5, 12)
        ELSE 'none' END, ''), COALESCE('=' || CASE WHEN m.auth_results IS NULL OR m.auth_results = '[]'
        THEN NULL WHEN instr(m.auth_results, 'dmarc=') > 0
        THEN substr(m.auth_results, instr(m.auth_results, 'dmarc=') + 6, 12)
        ELSE 'none' END, ''), count(*), min(m.date_utc), max(m.date_utc)
        FROM messages m WHERE 1 = 1 GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7
    """,
    # 9: analysis (issue 14): attachment types and sizes by an index-only scan, not the whole table
    """
    CREATE INDEX attachments_type_size ON attachments(mime_type, size)
    """,
    # 10: counts per ERP record kept at ingest (issue 14), counted from the messages there
    """
    CREATE TABLE record_counts (
            record_type    TEXT NOT NULL,
            record_number  TEXT NOT NULL,
            messages       INTEGER NOT NULL,   -- dated mail linked to the record
            inbound        INTEGER NOT NULL,
            first_id       INTEGER NOT NULL,   -- the lowest message row: the order the frames meet records in
            first_date     TEXT NOT NULL,
            last_date      TEXT NOT NULL,
            awaiting_reply INTEGER NOT NULL,   -- 1: the latest mail came in
            PRIMARY KEY (record_type, record_number)
        );
    CREATE TABLE record_correspondents (
            record_type   TEXT NOT NULL,
            record_number TEXT NOT NULL,
            correspondent TEXT NOT NULL,       -- '=' || address, '' none
            messages      INTEGER NOT NULL,
            PRIMARY KEY (record_type, record_number, correspondent)
        );
    INSERT INTO record_counts (record_type, record_number, messages, inbound, first_id, first_date, last_date,
        awaiting_reply)
        SELECT record_type, record_number, count(*), sum(CASE WHEN direction = 'in'
        THEN 1 ELSE 0 END),
                   min(id), min(date_utc), max(date_utc), max(CASE WHEN latest = 1 AND direction = 'in'
                       THEN 1 ELSE 0 END)
            FROM (SELECT m.id, m.record_type, m.record_number, m.direction, m.date_utc,
                         row_number() OVER (PARTITION BY m.record_type, m.record_number
                                            ORDER BY m.date_utc DESC, m.id) AS latest
                  FROM messages m WHERE m.record_type IS NOT NULL AND m.record_number IS NOT NULL
                  AND m.date_utc IS NOT NULL AND 1 = 1) AS linked
            GROUP BY 1, 2;
    INSERT INTO record_correspondents (record_type, record_number, correspondent, messages)
            SELECT m.record_type, m.record_number, COALESCE('=' || CASE WHEN m.direction = 'in'
                THEN m.from_addr ELSE json_extract(m.to_addrs, '$[0]') END, ''),
                count(*) FROM messages m WHERE m.record_type IS NOT NULL AND m.record_number IS NOT NULL
                AND m.date_utc IS NOT NULL AND 1 = 1
                GROUP BY 1, 2, 3
    """,
    # 11: a record's correspondents counted with it (issue 14): the records view reads one table, latest first
    """
    ALTER TABLE record_counts ADD COLUMN correspondents INTEGER NOT NULL DEFAULT 0;
    UPDATE record_counts SET correspondents = (
        SELECT count(*) FROM record_correspondents c
        WHERE c.record_type = record_counts.record_type AND c.record_number = record_counts.record_number
            AND c.correspondent <> '' AND c.messages > 0);
    DROP TABLE record_correspondents;
    CREATE INDEX record_counts_latest ON record_counts(last_date DESC, first_id)
    """,
    # 12: threads and first replies kept at ingest (issue 14, mailkit.journal.threads): response times read one
    # narrow table. The messages already there are threaded when the journal is opened (thread_backfill).
    """
    CREATE TABLE message_threads (
            message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
            thread     INTEGER NOT NULL       -- the id of one of the thread's messages
        );
    CREATE INDEX message_threads_thread ON message_threads(thread);
    CREATE TABLE thread_keys (
            key    TEXT PRIMARY KEY,          -- a Message-ID, In-Reply-To or References entry
            thread INTEGER NOT NULL
        );
    CREATE INDEX thread_keys_thread ON thread_keys(thread);
    CREATE TABLE replies (
            message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,  -- a dated inbound mail
            account    TEXT NOT NULL,
            date_utc   TEXT NOT NULL,
            reply_id   INTEGER,               -- the thread's first outbound mail dated after it (NULL: none)
            delay      INTEGER                -- microseconds from its Date to the reply's
        );
    CREATE INDEX replies_date ON replies(date_utc);
    CREATE TABLE thread_backfill (
            next_id INTEGER NOT NULL,         -- the messages from here through last_id are not threaded yet
            last_id INTEGER NOT NULL
        );
    INSERT INTO thread_backfill (next_id, last_id) SELECT min(id), max(id) FROM messages HAVING count(*) > 0
    """,
    # 13: each send's number of recipients, written with it (issue 14): the outcomes add it up, not parse JSON
    """
    ALTER TABLE sends ADD COLUMN recipient_count INTEGER NOT NULL DEFAULT 0;
    UPDATE sends SET recipient_count = json_array_length(recipients)
    """,
    # 14: send attempts counted per UTC hour, account and status (issue 14, journal/sendcounts.py); the few
    # sends with a refusal or a failure found by an index, not a scan (failure analysis reads only those)
    """
    CREATE TABLE send_counts (
        bucket     TEXT NOT NULL,        -- YYYY-MM-DDTHH of the creation time (UTC)
        account    TEXT NOT NULL,
        status     TEXT NOT NULL,
        sends      INTEGER NOT NULL,
        recipients INTEGER NOT NULL,
        refused    INTEGER NOT NULL,     -- of those recipients, the ones the server refused
        PRIMARY KEY (bucket, account, status)
    );
    INSERT INTO send_counts (bucket, account, status, sends, recipients, refused)
        SELECT substr(s.created_at, 1, 13), s.account, s.status, count(*), sum(s.recipient_count),
               sum(CASE WHEN s.refused IS NULL THEN 0 ELSE (SELECT count(*) FROM json_each(s.recipients) r
                   JOIN json_each(s.refused) f ON f.key = r.value) END)
        FROM sends s GROUP BY 1, 2, 3;
    CREATE INDEX sends_trouble ON sends(created_at) WHERE refused IS NOT NULL OR status = 'failed'
    """,
    # 15: each threaded message's direction and Date beside its thread, indexed: a batch that adds to a long
    # thread reads the few mails whose first reply can change, not the whole thread (journal/threads.py)
    """
    CREATE TABLE thread_mail (
            message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
            thread     INTEGER NOT NULL,      -- the id of one of the thread's messages
            direction  TEXT NOT NULL,
            date_utc   TEXT                   -- NULL: undated
        );
    INSERT INTO thread_mail (message_id, thread, direction, date_utc)
        SELECT t.message_id, t.thread, m.direction, m.date_utc
        FROM message_threads t JOIN messages m ON m.id = t.message_id;
    DROP TABLE message_threads;
    ALTER TABLE thread_mail RENAME TO message_threads;
    CREATE INDEX message_threads_thread ON message_threads(thread, direction, date_utc, message_id)
    """,
]
