"""The blog: a small ASGI application (Starlette, Jinja2, psycopg 3 with psycopg_pool) on the blog's database."""
