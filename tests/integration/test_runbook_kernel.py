"""A runbook's kernel is shut down by request, never interrupted: no "KeyboardInterrupt caught" line."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from mailkit.runbook import _ipc_kernel_manager


def test_the_kernel_is_asked_to_shut_down_without_a_sigint(tmp_path):
    marker = tmp_path / "interrupted"
    code = (
        "import signal\n"
        f"signal.signal(signal.SIGINT, lambda *a: open({str(marker)!r}, 'w').write('SIGINT'))\n"
        "import ipykernel.kernelbase as kb\n"
        "kb.Kernel.pre_handler_hook = kb.Kernel.post_handler_hook = lambda self: None\n"  # ours, in handlers too
    )

    async def run() -> None:
        manager = _ipc_kernel_manager()(kernel_name="python3")
        await manager.start_kernel()
        client = manager.client()
        client.start_channels()
        await client.wait_for_ready(timeout=60)
        reply = await client.execute_interactive(code, timeout=60)
        assert reply["content"]["status"] == "ok"
        client.stop_channels()
        await manager.shutdown_kernel()
        assert not await manager.is_alive()

    with ThreadPoolExecutor(1) as pool:  # a loop of its own: the browser tests' Playwright runs one in this thread
        pool.submit(asyncio.run, run()).result()
    assert not marker.exists()
