"""Parsing fetched mail beside the import, in a worker process, so the second core does it.

Parsing, hashing and compressing are CPU work under the GIL (the one-pass parser is pure
Python); the import's own thread meanwhile stores the batch before and its fetch thread reads
the batch after. Worker processes (one per core beyond the first, at most two) take whole
batches in turn: each gets the raw bytes and sends back what the journal stores — the parse, or
why the mail goes to the quarantine, and the compressed bytes. A worker ignores Ctrl-C (the
import stops between batches) and ends when its input closes; if one dies, the rest is parsed
here and the import goes on.

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
#: more workers than this gain little: the import's own thread and the server need the rest of the machine.
#: Measured on 2 cores, 5,000 realistic mails: 1 worker 4.45 s (142 MB peak), 2 workers 3.75–4.03 s (209 MB)
#: — on 2 cores one core is kept for the import and the server, so 50,000 mails stay within 300 MB.
_MAX_WORKERS = 2
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


class _Worker:
    """One worker process, and the thread that talks to it so that the import never waits on a pipe."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mailkit.journal.prepare"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # what goes wrong in it is logged by the import, in words
        )
        self.courier = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mailkit-parse")

    def submit(self, mails: list[tuple[int, bytes]], keep: bool) -> Future:
        return self.courier.submit(self._round_trip, mails, keep)

    def _round_trip(self, mails: list[tuple[int, bytes]], keep: bool) -> list[Prepared]:
        assert self.process.stdin and self.process.stdout
        try:
            _send(self.process.stdin, (mails, keep))
            return _receive(self.process.stdout)  # type: ignore[return-value]
        except (OSError, EOFError, pickle.UnpicklingError) as exc:
            raise _WorkerGone from exc

    def exit_code(self) -> int | None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        return self.process.returncode

    def close(self) -> None:
        """Its input closes and it exits (killed if it does not within 5 s)."""
        self.courier.shutdown(wait=True, cancel_futures=True)
        for pipe in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):  # the worker is gone already
                pipe.close()  # type: ignore[union-attr]
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class BatchParser:
    """Prepares batches in ``workers`` worker processes taking turns (0: in this process); answers in order."""

    def __init__(self, keep_attachment_content: bool, *, workers: int = 0) -> None:
        self.keep = keep_attachment_content
        self.workers = [_Worker() for _ in range(workers)]
        self._turn = 0

    @staticmethod
    def workers_for(todo_bytes: int) -> int:
        """How many worker processes pay off: one per core beyond the first (at most two), for enough mail."""
        cores = os.cpu_count() or 1
        return 0 if cores < 2 or todo_bytes < WORKER_FROM_BYTES else min(cores - 1, _MAX_WORKERS)

    @property
    def depth(self) -> int:
        """How many batches are worth having in preparation at once."""
        return max(1, len(self.workers))

    def submit(self, mails: list[tuple[int, bytes]]) -> Future | list[Prepared]:
        """Start preparing ``mails``; :meth:`result` gives them back."""
        if not self.workers:
            return prepare_batch(mails, self.keep)
        worker = self.workers[self._turn % len(self.workers)]
        self._turn += 1
        return worker.submit(mails, self.keep)

    def result(self, pending: Future | list[Prepared], mails: list[tuple[int, bytes]]) -> list[Prepared]:
        if not isinstance(pending, Future):
            return pending
        try:
            return pending.result()
        except (_WorkerGone, CancelledError):  # killed, out of memory: this and the rest are parsed here
            if self.workers:  # the first batch to notice says so; the others were queued behind it
                codes = ", ".join(str(w.exit_code()) for w in self.workers)
                log.warning(
                    "a parsing worker process ended (exit codes %s); parsing in this process from now on", codes
                )
            self.close()
            return prepare_batch(mails, self.keep)

    def close(self) -> None:
        for worker in self.workers:
            worker.close()
        self.workers = []

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
