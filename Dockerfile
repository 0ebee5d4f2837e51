# syntax=docker/dockerfile:1.7
# The blog's image: `docker build -t blog:dev .` from the repository root (only blog/ and db/ are sent: .dockerignore).
# The same image runs the one-off migration task (`python -m db apply`, components/migration_task.py).
# Not built by this repository's tests (no Docker daemon there); docs/app-service.md says how to build and run it.

# Pin the base by digest when publishing (`python:3.11-slim-bookworm@sha256:...`): a tag can move.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY blog/requirements.txt /tmp/requirements.txt
COPY db/requirements.txt /tmp/db-requirements.txt
# Exactly the locked files, checked against their sha256 (blog/requirements.txt; db/requirements.txt: the migration
# runner's yoyo-migrations and what it needs), into a venv copied below.
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-deps --require-hashes -r /tmp/requirements.txt \
 && /opt/venv/bin/pip install --no-deps --require-hashes -r /tmp/db-requirements.txt
COPY blog/ /app/blog/
COPY db/ /app/db/
# Compiled now: the root filesystem is read-only at run time, so Python could not write .pyc files then.
RUN /opt/venv/bin/python -m compileall -q /app/blog /app/db /opt/venv/lib

FROM python:3.11-slim-bookworm
# The RDS CA bundle the task verifies the database against (PGSSLROOTCERT, the platform's caBundlePath default).
# When publishing, add --checksum=sha256:<digest of the bundle you reviewed> so a changed file fails the build.
ADD --chmod=0444 https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem /etc/ssl/certs/rds-global-bundle.pem
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
ENV PATH=/opt/venv/bin:/usr/local/bin:/usr/bin:/bin \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=3000
WORKDIR /app
# The uid the task runs as (aurora-platform:app `user`, default "1000"); owns nothing in the image, writes only to
# the task's writable paths (/tmp).
USER 1000:1000
EXPOSE 3000
# uvicorn drains in-flight requests on SIGTERM (BLOG_SHUTDOWN_TIMEOUT, 20 s, inside ECS's 30 s stop timeout).
STOPSIGNAL SIGTERM
ENTRYPOINT ["python", "-m", "blog"]
