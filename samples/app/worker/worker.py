"""Order worker: takes orders from the Redis queue and records them in PostgreSQL."""

from __future__ import annotations

import json
import os
from pathlib import Path

import psycopg
import redis


def _password() -> str:
    path = os.environ.get("DB_PASSWORD_FILE")
    return Path(path).read_text().strip() if path else os.environ.get("DB_PASSWORD", "")


def main() -> None:
    """Block on the 'orders' list forever, one order at a time."""
    queue = redis.Redis.from_url(os.environ["REDIS_URL"])
    with psycopg.connect(os.environ["DATABASE_URL"], password=_password()) as conn:
        while True:
            item = queue.blpop(["orders"], timeout=30)
            if item is None:
                continue
            order = json.loads(item[1])
            conn.execute(
                "INSERT INTO orders (customer, total) VALUES (%s, %s)",
                (order["customer"], order["total"]),
            )
            conn.commit()


if __name__ == "__main__":
    main()
