# One image for every Diptych process: `diptych migrate`, `diptych serve`, `diptych worker relay`,
# `diptych worker projector` (see compose.yaml and docs/production.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
# Every top-level package in pyproject's [tool.setuptools.packages.find] include, and nothing
# else: the benchmark harness (bench/) is a development tool of the checkout
# (tests/unit/test_compose_topology.py checks both).
COPY diptych diptych
COPY schema schema
COPY write write
COPY read read
COPY workers workers
RUN pip install --no-cache-dir . \
    && rm -rf build *.egg-info

# Run as an unprivileged user. /data holds the embedded defaults' SQLite file and index (unused
# when the production URLs are set, but `diptych` creates DIPTYCH_DATA_DIR on start).
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /app diptych \
    && mkdir /data \
    && chown diptych:diptych /data
USER diptych

ENV DIPTYCH_HOST=0.0.0.0 DIPTYCH_DATA_DIR=/data
EXPOSE 8000
CMD ["diptych", "serve"]
