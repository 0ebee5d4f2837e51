"""`python -m blog`: serve the blog with uvicorn on 0.0.0.0:$PORT (3000 by default, the task's containerPort).

On SIGTERM (an ECS deployment or scale-in) uvicorn stops accepting connections, waits for in-flight requests up to
BLOG_SHUTDOWN_TIMEOUT (20 s: inside ECS's default 30 s stop timeout), then the lifespan closes both pools.
A setting the app cannot start with is one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import logging
import sys

from blog.settings import SettingsError, from_env


def main() -> int:
    try:
        settings = from_env()
    except SettingsError as exc:
        print(f"blog: {exc}", file=sys.stderr)
        return 2
    import uvicorn

    from blog.web import create_app

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    uvicorn.run(create_app(settings), host="0.0.0.0", port=settings.http_port, proxy_headers=False,
                timeout_graceful_shutdown=int(settings.shutdown_timeout), server_header=False, access_log=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
