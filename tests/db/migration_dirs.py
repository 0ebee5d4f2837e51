"""The runner reads the packaged migrations and seed through keyword defaults of db.migrate's functions (the image's
files); a test points those defaults at its own copy."""

from __future__ import annotations


def use_dirs(monkeypatch, *functions, **dirs) -> None:
    """`use_dirs(monkeypatch, migrate.apply, migrate.plan, migrations_dir=copy)` until the test ends."""
    for function in functions:
        monkeypatch.setattr(function, "__kwdefaults__", {**function.__kwdefaults__, **dirs})
