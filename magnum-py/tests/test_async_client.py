"""AsyncClient: the same operations as coroutines, concurrently, with the same errors."""

import asyncio
import inspect

import pytest

from magnum_sdk import AsyncClient, Client, ClusterFailedError, NotFoundError

from conftest import ADMIN


def test_every_operation_exists_in_both_clients_with_the_same_signature():
    sync_ops = {n for n in dir(Client) if not n.startswith("_") and callable(getattr(Client, n))}
    async_ops = {n for n in dir(AsyncClient) if not n.startswith("_") and callable(getattr(AsyncClient, n))}
    assert sync_ops == async_ops
    for name in sync_ops - {"from_cloud", "from_endpoint"}:
        assert inspect.iscoroutinefunction(getattr(AsyncClient, name)), name
        assert inspect.signature(getattr(Client, name)) == inspect.signature(getattr(AsyncClient, name)), name
        assert getattr(Client, name).__doc__ == getattr(AsyncClient, name).__doc__


def test_async_reads_errors_and_waits(magnum_url):
    async def scenario():
        client = AsyncClient.from_endpoint(magnum_url, **ADMIN)
        versions, clusters, ready = await asyncio.gather(
            client.server_versions(), client.list_clusters(), client.get_cluster("k8s-ready"))
        assert versions["max"] == "1.14" and len(clusters) >= 3 and ready.name == "k8s-ready"
        with pytest.raises(NotFoundError):
            await client.get_cluster("no-such-cluster")
        with pytest.raises(ClusterFailedError):
            await client.wait_cluster_ready("k8s-failed", timeout=10, interval=0.05)
        many = await asyncio.gather(*(client.get_stats() for _ in range(20)))
        assert {s.clusters for s in many} == {3}

    asyncio.run(scenario())


def test_cancelling_an_async_wait_is_clean(magnum_url):
    async def scenario():
        client = AsyncClient.from_endpoint(magnum_url, **ADMIN)
        task = asyncio.ensure_future(client.wait_cluster_deleted("k8s-ready", timeout=30, interval=0.1))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert (await client.get_cluster("k8s-ready")).name == "k8s-ready"

    asyncio.run(scenario())
