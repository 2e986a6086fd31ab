"""Opening each adapter that the settings choose, with a one-line reason when it cannot be opened.

Every function registers the adapter's closing on the exit stack it is given, so whatever was
opened is closed again, in reverse order, however start-up or shutdown goes.
"""

from __future__ import annotations

import contextlib

import redis.asyncio as redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from diptych.env_settings import safe_url as safe_url  # also diptych/bootstrap.py's, from here
from diptych.settings import Settings
from read.index import SearchIndex
from read.tantivy.tantivy_index import IndexLocked, TantivyIndex
from schema.edge.budgets import Budgets, MemoryBudgets
from schema.edge.budgets_redis import RedisBudgets
from workers.rabbitmq.rabbitmq_broker import RabbitMQBroker
from workers.rabbitmq.rabbitmq_topology import MissingPlugin, Names
from write.sqlalchemy.database import create_engine


class StartupError(Exception):
    """Why the service cannot start, in one line that names the setting to look at."""


def reason(error: BaseException) -> str:
    """An error's first line (drivers append SQL, parameters and links), or its type's name."""
    text_ = str(error).strip()
    return text_.splitlines()[0] if text_ else type(error).__name__


async def open_write_store(stack: contextlib.AsyncExitStack, settings: Settings) -> AsyncEngine:
    engine = create_engine(settings.database_url)
    stack.push_async_callback(engine.dispose)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:  # drivers raise many kinds; all mean the same here
        raise StartupError(
            f"DIPTYCH_DATABASE_URL: cannot reach the write store at "
            f"{safe_url(settings.database_url)}: {reason(error)}"
        ) from error
    return engine


async def open_log_reader(
    stack: contextlib.AsyncExitStack, settings: Settings, engine: AsyncEngine
) -> AsyncEngine:
    """What the relay reads the outbox through: on SQLite an engine of its own that queues
    behind no writer; on PostgreSQL the write store's engine."""
    if engine.dialect.name != "sqlite":
        return engine
    reader = create_engine(settings.database_url, for_reading=True)
    stack.push_async_callback(reader.dispose)
    return reader


async def open_index(
    stack: contextlib.AsyncExitStack, settings: Settings, writer: bool
) -> SearchIndex:
    """Elasticsearch when its URL is set, else tantivy; a tantivy index is opened read-only in a
    process that does not project (tantivy allows one writer)."""
    if settings.elasticsearch_url is not None:
        from read.elastic.elastic_index import ElasticIndex

        index: SearchIndex = ElasticIndex(settings.elasticsearch_url)
        try:
            await index.open()
        except Exception as error:
            raise StartupError(
                f"DIPTYCH_ELASTICSEARCH_URL: cannot use the index at "
                f"{safe_url(settings.elasticsearch_url)}: {reason(error)}"
            ) from error
    else:
        index = TantivyIndex(settings.index_dir, read_only=not writer)
        try:
            await index.open()
        except IndexLocked as error:
            raise StartupError(f"DIPTYCH_INDEX_DIR: {error}") from error
    stack.push_async_callback(index.close)
    return index


async def open_broker(stack: contextlib.AsyncExitStack, settings: Settings) -> RabbitMQBroker:
    assert settings.amqp_url is not None
    names = Names(settings.amqp_prefix)
    broker = RabbitMQBroker(settings.amqp_url, settings.shards, names=names)
    stack.push_async_callback(broker.close)
    try:
        await broker.connect()
    except MissingPlugin as error:
        raise StartupError(f"DIPTYCH_AMQP_URL: {error}") from error
    except Exception as error:
        raise StartupError(
            f"DIPTYCH_AMQP_URL: cannot reach the broker at {safe_url(settings.amqp_url)}: "
            f"{reason(error)}"
        ) from error
    return broker


async def open_budgets(stack: contextlib.AsyncExitStack, settings: Settings) -> Budgets:
    """Per-caller budgets: in this process, or in Redis (DIPTYCH_REDIS_URL) for every replica."""
    if settings.redis_url is None:
        return MemoryBudgets(settings.allowances)
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=1, socket_connect_timeout=2)
    stack.push_async_callback(client.aclose)
    try:
        await client.ping()
    except Exception as error:
        raise StartupError(
            f"DIPTYCH_REDIS_URL: cannot reach Redis at {safe_url(settings.redis_url)}: "
            f"{reason(error)}"
        ) from error
    return RedisBudgets(client, settings.allowances, settings.amqp_prefix)
