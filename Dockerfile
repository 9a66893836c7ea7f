# The subgraph image used by docker-compose.yml: one image, three services
# (`active-graph serve --subgraph accounts|telemetry|support`). The federation
# gateway is not in it: production runs Apollo Router (gateway/router.yaml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, exactly as locked (versions and hashes), so code changes reuse the layer.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

# Only what `pip install .` needs (see .dockerignore): no tests, no node_modules,
# and never the development secrets in .active-graph/.
COPY pyproject.toml README.md ./
COPY authz ./authz
COPY gateway ./gateway
COPY resolvers ./resolvers
COPY schema ./schema
RUN pip install --no-deps . \
    && pip check \
    && rm -rf /app/build \
    && useradd --system --uid 10001 --user-group --create-home --home-dir /home/app app

USER 10001:10001
WORKDIR /home/app

# Secrets come from the environment (ACTIVE_GRAPH_JWT_SECRET, ACTIVE_GRAPH_PSEUDONYM_KEY);
# STATE_DIR only matters if one is missing, and then holds a per-container key.
ENV ACTIVE_GRAPH_ENV=production \
    ACTIVE_GRAPH_HOST=0.0.0.0 \
    ACTIVE_GRAPH_STATE_DIR=/home/app/.active-graph

EXPOSE 8000
CMD ["active-graph", "serve"]
