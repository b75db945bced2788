"""The shop's catalogue API (Flask): products from PostgreSQL, cached in Redis."""

from __future__ import annotations

import json
import os
from pathlib import Path

import psycopg
import redis
from flask import Flask, jsonify

app = Flask(__name__)
cache = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/0"))


def _password() -> str:
    path = os.environ.get("DB_PASSWORD_FILE")
    return Path(path).read_text().strip() if path else os.environ.get("DB_PASSWORD", "")


@app.get("/healthz")
def health() -> str:
    """Liveness: the process answers."""
    return "ok"


@app.get("/products")
def products() -> object:
    """All products, cached for 60 seconds."""
    hit = cache.get("products")
    if hit is not None:
        return jsonify(json.loads(hit))
    with psycopg.connect(os.environ["DATABASE_URL"], password=_password()) as conn:
        rows = conn.execute("SELECT name, price FROM products ORDER BY name").fetchall()
    items = [{"name": name, "price": float(price)} for name, price in rows]
    cache.setex("products", 60, json.dumps(items))
    return jsonify(items)


if __name__ == "__main__":
    app.run(port=8000)
