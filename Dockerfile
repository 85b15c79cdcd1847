# careerbot in a container. Build and run with Docker Compose (README, "Running in a
# container"): `cp .env.example .env`, set DISCORD_TOKEN, then `docker compose up -d`.
#
# Dependencies come from requirements/lock.txt (hashes checked), the pins CI tests with.
# The knowledge base (the SQLite file with moderators' edits and the audit log) lives on
# the volume at /app/data; it is built from /app/knowledge on first start and rebuilt,
# keeping every edit, when a new image brings changed knowledge files.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY requirements/lock.txt requirements/lock.txt
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --require-hashes -r requirements/lock.txt
COPY pyproject.toml README.md LICENSE ./
COPY bot/ bot/
RUN /opt/venv/bin/pip install --no-cache-dir --no-deps .

FROM python:3.11-slim
LABEL org.opencontainers.image.title="careerbot" \
      org.opencontainers.image.description="Sourced career advice about AI roles, on Discord" \
      org.opencontainers.image.licenses="MIT"
ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    CAREERBOT_DB=/app/data/careerbot.db \
    CAREERBOT_KNOWLEDGE_DIR=/app/knowledge
WORKDIR /app
RUN useradd --no-log-init --system --uid 10001 --user-group --home-dir /app careerbot \
    && mkdir -p /app/data \
    && chown careerbot:careerbot /app/data
COPY --from=build /opt/venv /opt/venv
COPY knowledge/ knowledge/
COPY LICENSE ./
USER careerbot
VOLUME ["/app/data"]
# Healthy while the knowledge base opens and the bot's gateway heartbeat (rewritten every
# 30 s while connected to Discord) is under two minutes old; see bot/health.py.
HEALTHCHECK --interval=30s --timeout=15s --start-period=60s --retries=3 \
    CMD ["careerbot", "health", "--heartbeat", "/app/data/heartbeat"]
# docker stop sends SIGTERM: the bot finishes edits in flight (up to 8 s), closes the
# gateway and the database, and exits 0.
STOPSIGNAL SIGTERM
CMD ["careerbot", "run", "--heartbeat", "/app/data/heartbeat"]
