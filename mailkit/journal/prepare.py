"""Parsing fetched mail beside the import, in a worker process, so the second core does it.

Parsing, hashing and compressing are CPU work under the GIL (the one-pass parser is pure
Python); the import's own thread meanwhile stores the batch before and its fetch thread reads
the batch after. One worker process takes whole batches: it gets the raw bytes and sends back
what the journal stores — the parse, or why the mail goes to the quarantine, and the compressed
bytes. It ignores Ctrl-C (the import stops between batches) and ends when its input closes; if
it dies, the rest is parsed here and the import goes on.

The worker is ``python -m mailkit.journal.prepare`` on two pipes rather than a multiprocessing
pool: a spawned pool child first re-imports the caller's main script, which costs the CLI's
whole import and runs the top level of a user's script that lacks the ``__main__`` guard a
second time (multiprocessing's "safe importing of main module"); a forked one inherits the locks
of the caller's other threads (a notebook kernel has several). Small imports are parsed
in-process: a worker costs a Python start, which a few mails do not repay
(:data:`WORKER_FROM_BYTES`).
"""

from __future__ import annotations

__all__ = ["BatchParser", "Prepared", "prepare_batch"]

import contextlib
import os
import pickle
import signal
import subprocess
import sys
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO

from ..secrets import logger
from .codec import compress
from .parse import ParsedMessage, QuarantineReason, parse_message

log = logger(__name__)

#: a worker process pays off from this much mail to parse (its start costs ≈ 0.1 s of the other core)
WORKER_FROM_BYTES = 8 * 1024 * 1024
_LENGTH = 8  # bytes of a frame's length prefix


@dataclass
class Prepared:
    """One fetched mail as the journal will take it: parsed (or the reason it cannot be) and compressed."""

    uid: int
    message: ParsedMessage | None
    quarantine_reason: str | None
    stored: bytes  # the bytes compressed by the journal's codec


def prepare_batch(mails: list[tuple[int, bytes]], keep_attachment_content: bool) -> list[Prepared]:
    """Parse and compress each mail; never raises for one mail (the parser's promise)."""
    prepared = []
    for uid, raw in mails:
        try:
            message, reason = parse_message(raw, keep_attachment_content), None
        except QuarantineReason as exc:
            message, reason = None, str(exc)
        prepared.append(Prepared(uid, message, reason, compress(raw)))
    return prepared


class _WorkerGone(Exception):
    """The worker process ended before it answered."""


def _send(pipe: IO[bytes], value: object) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    pipe.write(len(data).to_bytes(_LENGTH, "big"))
    pipe.write(data)
    pipe.flush()


def _receive(pipe: IO[bytes]) -> object:
    head = pipe.read(_LENGTH)
    if len(head) < _LENGTH:
        raise _WorkerGone
    length = int.from_bytes(head, "big")
    data = pipe.read(length)
    if len(data) < length:  # it ended in the middle of an answer
        raise _WorkerGone
    return pickle.loads(data)  # our own child's answer, on our own pipe


class BatchParser:
    """Prepares batches in one worker process when ``worker`` is true, else in this one, in order."""

    def __init__(self, keep_attachment_content: bool, *, worker: bool) -> None:
        self.keep = keep_attachment_content
        self.process: subprocess.Popen | None = None
        self.courier: ThreadPoolExecutor | None = None  # talks to the worker without blocking the import
        if worker:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "mailkit.journal.prepare"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,  # what goes wrong in it is logged here, in words
            )
            self.courier = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mailkit-parse")

    @staticmethod
    def worth_a_worker(todo_bytes: int) -> bool:
        """Whether a worker process pays off: a second core, and enough mail to parse."""
        return (os.cpu_count() or 1) > 1 and todo_bytes >= WORKER_FROM_BYTES

    def submit(self, mails: list[tuple[int, bytes]]) -> Future | list[Prepared]:
        """Start preparing ``mails``; :meth:`result` gives them back (batches are answered in order)."""
        if self.courier is None:
            return prepare_batch(mails, self.keep)
        return self.courier.submit(self._round_trip, mails)

    def _round_trip(self, mails: list[tuple[int, bytes]]) -> list[Prepared]:
        assert self.process is not None and self.process.stdin and self.process.stdout
        try:
            _send(self.process.stdin, (mails, self.keep))
            return _receive(self.process.stdout)  # type: ignore[return-value]
        except (OSError, EOFError, pickle.UnpicklingError) as exc:
            raise _WorkerGone from exc

    def result(self, pending: Future | list[Prepared], mails: list[tuple[int, bytes]]) -> list[Prepared]:
        if not isinstance(pending, Future):
            return pending
        try:
            return pending.result()
        except (_WorkerGone, CancelledError):  # killed, out of memory: this and the rest are parsed here
            if self.process is not None:  # the first batch to notice says so; later ones were queued behind it
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.process.wait(timeout=5)
                log.warning(
                    "the parsing worker process ended (exit code %s); parsing in this process from now on",
                    self.process.returncode,
                )
            self.close()
            return prepare_batch(mails, self.keep)

    def close(self) -> None:
        """End the worker: its input closes, it exits (killed if it does not within 5 s)."""
        if self.courier is not None:
            self.courier.shutdown(wait=True, cancel_futures=True)
            self.courier = None
        if self.process is not None:
            process, self.process = self.process, None
            for pipe in (process.stdin, process.stdout):
                with contextlib.suppress(OSError):  # the worker is gone already
                    pipe.close()  # type: ignore[union-attr]
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def __enter__(self) -> BatchParser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _serve(source: IO[bytes], sink: IO[bytes]) -> None:
    """The worker: answer each batch until the input closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the import, which stops between batches
    while True:
        try:
            request: tuple[list[tuple[int, bytes]], bool] = _receive(source)  # type: ignore[assignment]
        except _WorkerGone:
            return
        _send(sink, prepare_batch(*request))


if __name__ == "__main__":  # as the module's own name, so what it pickles names mailkit.journal.prepare
    from mailkit.journal.prepare import _serve as serve

    serve(sys.stdin.buffer, sys.stdout.buffer)
