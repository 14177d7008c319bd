"""Preparing fetched mail in the worker process: the answers of this process, in order; a dead worker costs nothing."""

import os
import signal

from mailkit.journal.codec import decompress
from mailkit.journal.prepare import BatchParser, prepare_batch
from mailkit.sandbox.hostile import hostile_corpus


def _batches(size: int = 40) -> list[list[tuple[int, bytes]]]:
    mails = [(uid, mail.raw) for uid, mail in enumerate(hostile_corpus(), 1)][::2]  # every category
    return [mails[i : i + size] for i in range(0, len(mails), size)]


def _answers(prepared) -> list[tuple]:
    return [(p.uid, p.message, p.quarantine_reason, decompress(p.stored)) for p in prepared]


def test_the_worker_answers_as_this_process_does_batch_by_batch_in_order():
    batches = _batches()
    with BatchParser(False, worker=True) as parser:
        worker_pid = parser.process.pid
        pending = [parser.submit(batch) for batch in batches]  # all in flight at once
        answers = [parser.result(p, batch) for p, batch in zip(pending, batches, strict=True)]
    assert worker_pid != os.getpid()
    assert any(p.quarantine_reason for batch in answers for p in batch)  # hostile mail: some cannot be read
    for batch, answer in zip(batches, answers, strict=True):
        assert _answers(answer) == _answers(prepare_batch(batch, False))
        assert [decompress(p.stored) for p in answer] == [raw for _, raw in batch]
    assert parser.process is None  # closed: the worker has ended


def test_a_killed_worker_is_replaced_by_parsing_here():
    batches = _batches()
    with BatchParser(False, worker=True) as parser:
        first = parser.result(parser.submit(batches[0]), batches[0])
        process = parser.process
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        rest = [parser.result(parser.submit(batch), batch) for batch in batches[1:]]
        assert parser.process is None and parser.courier is None
    for batch, answer in zip(batches, [first, *rest], strict=True):
        assert _answers(answer) == _answers(prepare_batch(batch, False))


def test_small_imports_and_single_cores_stay_in_process(monkeypatch):
    assert not BatchParser.worth_a_worker(1024 * 1024)
    assert BatchParser.worth_a_worker(64 * 1024 * 1024)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert not BatchParser.worth_a_worker(64 * 1024 * 1024)
