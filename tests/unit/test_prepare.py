"""Preparing fetched mail in the worker process: the answers of this process, in order; a dead worker costs nothing."""

import os
import signal

import pytest

from mailkit.journal.codec import decompress
from mailkit.journal.prepare import BatchParser, prepare_batch
from mailkit.sandbox.hostile import hostile_corpus


def _batches(size: int = 40) -> list[list[tuple[int, bytes]]]:
    mails = [(uid, mail.raw) for uid, mail in enumerate(hostile_corpus(), 1)][::2]  # every category
    return [mails[i : i + size] for i in range(0, len(mails), size)]


def _answers(prepared) -> list[tuple]:
    return [(p.uid, p.message, p.quarantine_reason, decompress(p.stored)) for p in prepared]


@pytest.mark.parametrize("workers", [1, 2])
def test_the_workers_answer_as_this_process_does_batch_by_batch_in_order(workers):
    batches = _batches()
    with BatchParser(False, workers=workers) as parser:
        processes = [w.process for w in parser.workers]
        pending = [parser.submit(batch) for batch in batches]  # all in flight at once, taking turns
        answers = [parser.result(p, batch) for p, batch in zip(pending, batches, strict=True)]
    assert len({p.pid for p in processes} - {os.getpid()}) == workers
    assert any(p.quarantine_reason for batch in answers for p in batch)  # hostile mail: some cannot be read
    for batch, answer in zip(batches, answers, strict=True):
        assert _answers(answer) == _answers(prepare_batch(batch, False))
        assert [decompress(p.stored) for p in answer] == [raw for _, raw in batch]
    assert not parser.workers and all(p.returncode == 0 for p in processes)  # closed: the workers have ended


def test_a_killed_worker_is_replaced_by_parsing_here():
    batches = _batches()
    with BatchParser(False, workers=1) as parser:
        first = parser.result(parser.submit(batches[0]), batches[0])
        process = parser.workers[0].process
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        rest = [parser.result(parser.submit(batch), batch) for batch in batches[1:]]
        assert not parser.workers
    for batch, answer in zip(batches, [first, *rest], strict=True):
        assert _answers(answer) == _answers(prepare_batch(batch, False))


def test_small_imports_and_single_cores_stay_in_process_and_a_core_is_left_for_the_import(monkeypatch):
    big = 64 * 1024 * 1024
    for cores, workers in ((1, 0), (2, 1), (3, 2), (16, 2)):
        monkeypatch.setattr(os, "cpu_count", lambda cores=cores: cores)
        assert BatchParser.workers_for(big) == workers
        assert BatchParser.workers_for(1024 * 1024) == 0
