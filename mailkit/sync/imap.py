"""IMAP import into the journal: incremental, resumable, never twice — also after a server move.

Per folder, one STATUS decides whether anything changed (a no-change run costs one round trip
per folder). New mail is fetched from the stored UIDNEXT on: first the few header fields that
identify a message, then bodies only for messages the journal does not know yet, in batches
bounded by count and bytes; each batch and the advanced state commit in one transaction.
The body fetch of the next batch runs in a second thread while this one is parsed and stored
(the TLS read and zlib release the GIL); at most two batches are in memory, so memory stays flat.
Flag changes come through CONDSTORE (CHANGEDSINCE), expunges through QRESYNC (VANISHED) or a
UID SEARCH. After a UIDVALIDITY change or on a new server, a header-only scan rebinds known
messages to their new UIDs without downloading them again — unless too few of the known
messages match, in which case it stops and asks, as isync does.
"""

from __future__ import annotations

__all__ = ["import_imap"]

import contextlib
import datetime as dt
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import imapclient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

from ..errors import SyncError
from ..journal.parse import IDENTITY_HEADERS, HeaderIdentity, header_identity
from ..journal.prepare import BatchParser, Prepared
from ..journal.store import Journal, Location
from ..model import Account
from ..net.connect import imap_login
from ..net.imap import compress_uids, uid_fetch
from ..secrets import logger
from ..workspace import Workspace
from .actions import take_pending
from .base import (
    STORE_REFUSALS,
    Cancel,
    FolderResult,
    ImportedMessage,
    Progress,
    Route,
    SyncOptions,
    SyncResult,
    route_name,
    run_failure,
)

log = logger(__name__)
_HEADER_ITEM = f"BODY.PEEK[HEADER.FIELDS ({' '.join(IDENTITY_HEADERS)})]"
_HEADER_KEY = _HEADER_ITEM.replace(".PEEK", "").encode()
_SESSION_FLAGS = {b"\\Recent"}


@dataclass
class _Candidate:
    uid: int
    identity: HeaderIdentity | None  # None: not fetched (nothing in the journal to recognise it by)
    size: int
    flags: tuple[str, ...]
    internaldate: dt.datetime | None
    row: int | None = None  # the journal row it is, when its headers and size say so unambiguously


def _flags(raw: Iterable[bytes]) -> tuple[str, ...]:
    return tuple(sorted(f.decode("utf-8", "replace") for f in raw if f not in _SESSION_FLAGS))


def import_imap(
    account: Account,
    workspace: Workspace,
    journal: Journal,
    options: SyncOptions | None = None,
    *,
    routes: Sequence[Route] = (),
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> SyncResult:
    """Import the account's IMAP folders into the journal; see the module docstring for how."""
    return _ImapImport(account, workspace, journal, options or SyncOptions(), routes, progress, cancel).run()


class _ImapImport:
    def __init__(self, account, workspace, journal, options, routes, progress, cancel) -> None:
        if account.receiving is None or account.receiving.protocol != "imap":
            raise SyncError(f"account {account.name!r} does not receive by IMAP")
        self.account = account
        self.workspace = workspace
        self.journal = journal
        self.options = options
        self.routes = routes
        self.progress = progress
        self.cancel = cancel or Cancel()
        self.refused_actions: set[str] = set()
        self.own_addresses = {account.address.lower(), *(a.lower() for a in account.senders.values())}

    # -- the run -------------------------------------------------------------------------------
    def run(self) -> SyncResult:
        result = SyncResult(self.account.name, self.options.dry_run)
        with self.journal.account_lock(self.account.name), imap_login(self.account, self.workspace) as client:
            client.normalise_times = False
            capabilities = set(client.capabilities())
            self.condstore = b"CONDSTORE" in capabilities
            self.qresync = b"QRESYNC" in capabilities
            self.uidplus = b"UIDPLUS" in capabilities
            self.can_move = b"MOVE" in capabilities
            if self.qresync:
                client.enable("QRESYNC")
            folders, self.sent_folders = self._folders(client)
            for folder in folders:
                if self.cancel.is_set():
                    break
                result.folders.append(self._run_folder(client, folder))
                if result.folders[-1].status == "failed":
                    break
        return result

    def _folders(self, client: imapclient.IMAPClient) -> tuple[list[str], set[str]]:
        listed = client.list_folders()
        sent = {name for flags, _, name in listed if b"\\Sent" in flags}
        sent.add(self.account.receiving.sent_folder)
        if self.options.folders:
            return list(self.options.folders), sent
        if self.options.all_folders:
            skip = {b"\\Noselect", b"\\NonExistent", b"\\Trash", b"\\Junk"}
            return [name for flags, _, name in listed if not skip & set(flags)], sent
        return [self.account.receiving.base_folder], sent

    def _run_folder(self, client, folder: str) -> FolderResult:
        folder_result = FolderResult(folder)
        run_id = self.journal.start_run(self.account.name, folder, "imap", self.options.dry_run)
        try:
            self._sync_folder(client, folder, folder_result)
        except BaseException as exc:  # whatever stops the run, its row says so
            folder_result.status, folder_result.error = run_failure(exc)
            folder_result.errors += 1
            with contextlib.suppress(*self.journal.backend.errors):
                self.journal.finish_run(run_id, folder_result.status, folder_result.counts(), folder_result.error)
            raise
        status = "cancelled" if self.cancel.is_set() else "failed" if folder_result.error else "ok"
        folder_result.status = status
        self.journal.finish_run(run_id, status, folder_result.counts(), folder_result.error)
        return folder_result

    # -- one folder ----------------------------------------------------------------------------
    def _sync_folder(self, client, folder: str, result: FolderResult) -> None:
        items = [b"UIDVALIDITY", b"UIDNEXT", b"MESSAGES"] + ([b"HIGHESTMODSEQ"] if self.condstore else [])
        try:
            status = client.folder_status(folder, items)
        except IMAPClientAbortError:
            raise  # the connection is gone, not the folder
        except IMAPClientError as exc:
            raise SyncError(
                f"folder {folder!r} cannot be read on {self.account.receiving.host} ({exc}): "
                "check the folder name (mailkit sync --all-folders lists what exists)"
            ) from exc
        uidvalidity, uidnext = status[b"UIDVALIDITY"], status[b"UIDNEXT"]
        messages, modseq = status[b"MESSAGES"], status.get(b"HIGHESTMODSEQ")
        state = self.journal.folder_state(self.account.name, folder)
        pending = not self.options.dry_run and bool(self.journal.pending_actions(self.account.name, folder))
        if pending and self.options.after != "keep":
            with self.journal.transaction():
                self.journal.replace_pending_action(self.account.name, folder, self.options.after)
        if (
            not pending
            and state
            and (state["uidvalidity"], state["uidnext"], state["messages"], state["highestmodseq"])
            == (
                uidvalidity,
                uidnext,
                messages,
                modseq,
            )
        ):
            result.skipped = True
            return
        readonly = self.options.dry_run or (self.options.after == "keep" and not pending)
        client.select_folder(folder, readonly=readonly)
        incremental = state is not None and state["uidvalidity"] == uidvalidity
        first_uid = state["uidnext"] if incremental else 1
        candidates = self._scan(client, first_uid) if first_uid < uidnext or not incremental else []
        possible = self._recognise(candidates)
        if not incremental:
            self._check_rebind(folder, possible, result)
        self._import(client, folder, uidvalidity, candidates, result, state if incremental else None)
        if self.cancel.is_set():
            return
        if self.options.dry_run:
            return
        with self.journal.transaction():
            if incremental and state["uidnext"] > 1:
                self._flags_and_expunges(client, folder, uidvalidity, state, result)
            elif not incremental:
                # UIDs of another UIDVALIDITY mean nothing any more; what matched was rebound above
                result.gone += self.journal.mark_folder_gone(self.account.name, folder, except_uidvalidity=uidvalidity)
            self.journal.set_folder_state(
                self.account.name,
                folder,
                uidvalidity=uidvalidity,
                uidnext=uidnext,
                highestmodseq=modseq,
                messages=messages,
            )
        self._take_pending(client, folder, uidvalidity, result)

    def _scan(self, client, first_uid: int) -> list[_Candidate]:
        """The identity headers, size and flags of every message from ``first_uid`` on (per the options).

        Into an empty journal (a first import) nothing can be recognised by its headers, so they
        are not fetched: for 2,000 mails their parse in imapclient costs more than Dovecot's send.
        """
        criteria: list = []
        if self.options.unread_only:
            criteria.append("UNSEEN")
        if self.options.since:
            criteria += ["SINCE", self.options.since]
        if criteria:
            uids = [u for u in client.search([*criteria, "UID", f"{first_uid}:*"]) if u >= first_uid]
            if not uids:
                return []
            uid_set = compress_uids(uids)
        else:
            uid_set = f"{first_uid}:*"
        items = ["UID", "FLAGS", "INTERNALDATE", "RFC822.SIZE"]
        headers = self.journal.last_message_row() > 0
        fetched, _ = uid_fetch(client, uid_set, [*items, _HEADER_ITEM] if headers else items)
        candidates = []
        for uid in sorted(fetched):
            if uid < first_uid:  # `n:*` always returns the last message, even below n
                continue
            data = fetched[uid]
            candidates.append(
                _Candidate(
                    uid,
                    header_identity(data.get(_HEADER_KEY, b"")) if headers else None,
                    data.get(b"RFC822.SIZE", 0),
                    _flags(data.get(b"FLAGS", ())),
                    data.get(b"INTERNALDATE"),
                )
            )
        return candidates

    def _recognise(self, candidates: list[_Candidate]) -> set[int]:
        """Bind candidates to known rows by headers and size where unambiguous; returns every row any may be.

        Unambiguous: the mail has a Message-ID, exactly one journal row has its header hash and
        size, and no other mail of the scan shares them. Every other mail is downloaded, and its
        bytes decide (a known mail is rebound then, a different one gets its own row).
        """
        identified = [c for c in candidates if c.identity is not None]
        pairs = [(c.identity.header_hash, c.size) for c in identified if c.identity is not None]
        rows = self.journal.rows_for_headers(pairs) if pairs else {}
        in_scan = Counter(pairs)
        for candidate, pair in zip(identified, pairs, strict=True):
            found = rows.get(pair, ())
            if candidate.identity and candidate.identity.message_id and len(found) == 1 and in_scan[pair] == 1:
                candidate.row = found[0]
        return {row for found in rows.values() for row in found}

    def _check_rebind(self, folder: str, possible: set[int], result) -> None:
        """Before rebinding after a UIDVALIDITY change, make sure it is the same mailbox (isync's rule)."""
        expected = self.journal.present_rows(self.account.name, folder)
        if not expected:
            return
        matched = len(expected & possible)
        share = matched / len(expected)
        result.notes.append(
            f"UIDVALIDITY changed: {matched} of {len(expected)} known messages found again ({share:.0%})"
        )
        if share < self.options.rebind_threshold and not self.options.accept_rebind:
            raise SyncError(
                f"folder {folder!r}: UIDVALIDITY changed and only {matched} of {len(expected)} known messages "
                f"({share:.0%}, needs {self.options.rebind_threshold:.0%}) were found again; this may be another "
                "mailbox. Check the account, then run again with --accept-rebind to import it anyway"
            )

    def _batches(self, candidates: list[_Candidate]) -> Iterable[list[_Candidate]]:
        batch: list[_Candidate] = []
        size = 0
        for candidate in candidates:
            cost = 0 if candidate.row is not None else candidate.size
            if batch and (len(batch) >= self.options.batch_count or size + cost > self.options.batch_bytes):
                yield batch
                batch, size = [], 0
            batch.append(candidate)
            size += cost
        if batch:
            yield batch

    def _import(self, client, folder, uidvalidity, candidates, result, state) -> None:
        here = self.journal.present_uids(self.account.name, folder, uidvalidity)
        quarantined = self.journal.quarantined_uids(self.account.name, folder, uidvalidity)
        todo = [c for c in candidates if c.uid not in quarantined]
        result.known += sum(1 for c in todo if c.uid in here)
        todo = [c for c in todo if c.uid not in here]
        batches = list(self._batches(todo))
        if self.options.dry_run:  # without the bodies: mail that only its bytes could tell counts as new
            for done, batch in enumerate(batches, 1):
                unknown = sum(1 for c in batch if c.row is None)
                result.new += unknown
                result.rebound += len(batch) - unknown
                self._report(folder, done, batches, len(todo))
            return
        todo_bytes = sum(c.size for c in todo if c.row is None)
        workers = self.options.parse_processes
        workers = BatchParser.workers_for(todo_bytes) if workers is None else workers
        keep = self.journal.attachments == "content"
        with (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="mailkit-fetch") as fetcher,
            BatchParser(keep, workers=workers) as parser,
        ):
            self._pipeline(client, folder, uidvalidity, batches, len(todo), result, state, fetcher, parser)

    def _pipeline(self, client, folder, uidvalidity, batches, total, result, state, fetcher, parser) -> None:
        """Fetch batch k+1 while batch k is parsed (in the workers, with the ones before) and the oldest stored."""
        fetching: Future | None = fetcher.submit(self._bodies, client, batches[0]) if batches else None
        parsing: deque[tuple[list[_Candidate], dict[int, bytes], object]] = deque()
        stored = 0

        def store_oldest() -> None:
            nonlocal stored
            batch, bodies, pending = parsing.popleft()
            prepared = parser.result(pending, list(bodies.items()))
            self._store_and_advance(folder, uidvalidity, batch, bodies, prepared, result, state)
            stored += 1
            self._after_batch(client, folder, uidvalidity, fetching, result)
            self._report(folder, stored, batches, total)

        for index, batch in enumerate(batches):
            if self.cancel.is_set():
                break
            assert fetching is not None  # each batch's fetch starts before its turn
            bodies = fetching.result()
            following = batches[index + 1] if index + 1 < len(batches) else None
            fetching = fetcher.submit(self._bodies, client, following) if following else None
            parsing.append((batch, bodies, parser.submit(list(bodies.items()))))
            if len(parsing) > parser.depth or not following:  # the oldest is stored while the newer parse
                store_oldest()
        while parsing and not self.cancel.is_set():
            store_oldest()
        if self.cancel.is_set():
            result.notes.append("cancelled: stopped after the last complete batch")

    def _after_batch(self, client, folder, uidvalidity, fetching: Future | None, result) -> None:
        if self.options.after == "keep":
            return
        if fetching is not None:
            fetching.result()  # the connection is free again before the actions use it
        self._take_pending(client, folder, uidvalidity, result)

    def _report(self, folder: str, done_batches: int, batches: list[list[_Candidate]], total: int) -> None:
        if self.progress:
            self.progress(folder, sum(len(b) for b in batches[:done_batches]), total)

    @staticmethod
    def _bodies(client, batch: list[_Candidate]) -> dict[int, bytes]:
        """The raw bytes of the batch's mails that only their bytes can tell (an expunged one is missing)."""
        unknown = [c.uid for c in batch if c.row is None]
        if not unknown:
            return {}
        fetched = uid_fetch(client, compress_uids(unknown), ["BODY.PEEK[]"])[0]
        return {uid: data[b"BODY[]"] for uid, data in fetched.items() if b"BODY[]" in data}

    def _store_and_advance(self, folder, uidvalidity, batch, bodies, prepared, result, state) -> None:
        """One batch and the folder's advanced state in one transaction: a run stopped later resumes after it."""
        with self.journal.transaction():
            self._store_batch(folder, uidvalidity, batch, bodies, {p.uid: p for p in prepared}, result)
            if self.options.after != "keep":  # taken below, and retried by later runs until done
                self.journal.add_pending_actions(
                    self.account.name, folder, uidvalidity, [c.uid for c in batch], self.options.after
                )
            if state is not None:  # resumable: the next run starts after this batch
                self.journal.set_folder_state(
                    self.account.name,
                    folder,
                    uidvalidity=uidvalidity,
                    uidnext=batch[-1].uid + 1,
                    highestmodseq=state["highestmodseq"],
                    messages=state["messages"],
                )

    def _store_batch(self, folder, uidvalidity, batch, bodies, prepared, result) -> None:
        locations = []
        # in key order (a mail's key is the hash of its bytes): two workers storing the same mail
        # (one mail in two mailboxes) into a shared journal wait for each other, never deadlock
        for candidate in sorted(batch, key=lambda c: _key(prepared.get(c.uid))):
            location = Location(
                self.account.name, folder, uidvalidity, candidate.uid, candidate.flags, candidate.internaldate
            )
            if candidate.row is not None:
                result.rebound += 1
                locations.append((candidate.row, location))
                continue
            raw, ready = bodies.get(candidate.uid), prepared.get(candidate.uid)
            if raw is None or ready is None:  # expunged between the header scan and the body fetch
                result.notes.append(f"UID {candidate.uid} vanished during the run")
                continue
            result.bytes += len(raw)
            row = self._store_message(folder, uidvalidity, candidate, raw, ready, result)
            if row is not None:
                locations.append((row, location))
        self.journal.add_locations(locations)

    def _store_message(self, folder, uidvalidity, candidate, raw: bytes, ready: Prepared, result) -> int | None:
        """The journal row of one fetched mail, or None when it went to the quarantine."""
        parsed = ready.message
        if parsed is None:
            result.quarantined += self.journal.quarantine(
                self.account.name, folder, ready.quarantine_reason, raw, uidvalidity, candidate.uid, ready.stored
            )
            return None
        outbound = folder in self.sent_folders or (parsed.from_addr or "") in self.own_addresses
        try:
            with self.journal.savepoint():
                row, is_new = self.journal.add_message(
                    parsed, raw, account=self.account.name, direction="out" if outbound else "in", stored=ready.stored
                )
        except (
            *self.journal.backend.data_refusals,
            *STORE_REFUSALS,
        ) as exc:  # this message only: the rest of the batch goes on
            refusal = f"the journal could not store it: {type(exc).__name__}: {exc}"
            result.quarantined += self.journal.quarantine(
                self.account.name, folder, refusal, raw, uidvalidity, candidate.uid, ready.stored
            )
            return None
        if is_new and parsed.smime:  # rare: the S/MIME code (cryptography) loads only then
            from ..smime import record as record_smime

            record_smime(self.journal, self.workspace, self.account.name, row, raw, parsed.from_addr)
        result.new += is_new
        result.rebound += not is_new
        if is_new:
            self._route(ImportedMessage(row, self.account.name, folder, candidate.uid, parsed), result)
        return row

    def _route(self, message: ImportedMessage, result: FolderResult) -> None:
        for route in self.routes:
            try:
                decision = route(message)
            except Exception as exc:  # a user's hook must not stop the import, but the run is not ok
                result.errors += 1
                text = f"{route_name(route)} failed on UID {message.uid}: {type(exc).__name__}: {exc}"
                result.notes.append(text)
                result.error = result.error or text
                continue
            if decision is None:
                continue
            if decision.record_type and decision.record_number:
                self.journal.link_record(message.row, decision.record_type, decision.record_number)
            if decision.queue:
                self.journal.set_queue(message.row, decision.queue)

    def _take_pending(self, client, folder, uidvalidity, result: FolderResult) -> None:
        if folder in self.refused_actions:  # refused once in this run: the next run tries again
            return
        gone, error = take_pending(
            client,
            self.journal,
            self.account.name,
            folder,
            uidvalidity,
            uidplus=self.uidplus,
            can_move=self.can_move,
            host=self.account.receiving.host,
        )
        result.gone += gone
        if error:
            self.refused_actions.add(folder)
            result.errors += 1
            result.error = result.error or error

    def _flags_and_expunges(self, client, folder, uidvalidity, state, result) -> None:
        old = f"1:{state['uidnext'] - 1}"
        modifiers = []
        if self.condstore and state["highestmodseq"]:
            modifiers.append(f"CHANGEDSINCE {state['highestmodseq']}" + (" VANISHED" if self.qresync else ""))
        fetched, vanished = uid_fetch(client, old, ["UID", "FLAGS"], modifiers)
        flags = {uid: _flags(data.get(b"FLAGS", ())) for uid, data in fetched.items() if uid < state["uidnext"]}
        result.flags_changed += self.journal.set_flags(self.account.name, folder, uidvalidity, flags)
        if not self.qresync:
            with contextlib.suppress(IMAPClientError):
                on_server = set(client.search(["UID", old]))
                vanished = self.journal.present_uids(self.account.name, folder, uidvalidity) - on_server
        if vanished:
            result.gone += self.journal.mark_gone(self.account.name, folder, uidvalidity, vanished)


def _key(prepared: Prepared | None) -> str:
    return prepared.message.key if prepared is not None and prepared.message is not None else ""
