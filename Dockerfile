# Ectus-R container image: one image for every role (`ectus serve`, `ectus worker`,
# `ectus migrate`, `ectus admin ...`).
#
#   docker build -t ectus:0.1.0 --build-arg ECTUS_COMMIT=$(git rev-parse --short HEAD) .
#   docker run --rm -p 8080:8080 -p 9091:9091 -v ectus-data:/var/lib/ectus ectus:0.1.0   # API + workers on SQLite
#   docker run --rm -e ECTUS_DATABASE__URL ectus:0.1.0 worker --concurrency 2          # PostgreSQL URL from the environment
#
# BuildKit (the default builder of Docker 23 and later) is needed for the cache mounts.

############################################################################################
# Build stage: compile the `ectus` binary.
############################################################################################
FROM rust:1.95-bookworm AS builder

# Reported by the `ectus_build_info{commit}` metric; "unknown" when not given.
ARG ECTUS_COMMIT=unknown
ENV ECTUS_COMMIT=${ECTUS_COMMIT}

WORKDIR /src
# Only what the build reads, so that edits to docs or deployment files keep the layer cache.
COPY Cargo.toml Cargo.lock ./
COPY crates ./crates

# The registry and target caches survive between builds; the binary is copied out of the
# cached target directory because cache mounts are not part of the image.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p ectus \
    && install -m 0755 target/release/ectus /usr/local/bin/ectus

############################################################################################
# Runtime stage.
#
# The base is the Rust image rather than debian:bookworm-slim on purpose: generation jobs
# verify each generated project by running `cargo fetch`, `cargo build`, `cargo test` and
# `cargo clippy` on it, and the generator formats the code it writes with `rustfmt`. Workers
# (`ectus worker`, or `ectus serve` with in-process workers) therefore need the Rust toolchain
# at run time, with the clippy and rustfmt components. An API-only replica
# (`ectus serve --workers 0`) runs from the same image so that every role ships the same bits.
############################################################################################
FROM rust:1.95-slim-bookworm AS runtime

# ca-certificates: TLS to crates.io when generated projects fetch their dependencies, and
# to any HTTPS endpoint configured (OTLP collector). wget: the container health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates wget \
    && rm -rf /var/lib/apt/lists/* \
    && rustup component add clippy rustfmt \
    && rm -rf /usr/local/rustup/downloads /usr/local/rustup/tmp \
    && groupadd --system --gid 10001 ectus \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/ectus --shell /usr/sbin/nologin ectus \
    && install -d -o ectus -g ectus -m 0750 /var/lib/ectus

COPY --from=builder /usr/local/bin/ectus /usr/local/bin/ectus

# The toolchain under /usr/local/rustup and /usr/local/cargo/bin stays root-owned and
# read-only; cargo's own download cache (CARGO_HOME) lives in the writable data directory so
# that the non-root user can fetch the crates of generated projects.
ENV ECTUS_SERVER__LISTEN=0.0.0.0:8080 \
    ECTUS_METRICS__LISTEN=0.0.0.0:9091 \
    ECTUS_DATA_DIR=/var/lib/ectus \
    ECTUS_LOG__FORMAT=json \
    HOME=/var/lib/ectus \
    CARGO_HOME=/var/lib/ectus/cargo-home \
    PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

USER 10001:10001
WORKDIR /var/lib/ectus

# 8080: the API (and the probes /health/live, /health/ready).
# 9091: Prometheus metrics at /metrics (both `serve` and `worker`).
EXPOSE 8080 9091

# Health checks are declared per role by the orchestrator (deploy/compose, deploy/k8s): the
# API answers /health/live on 8080, a worker only has its metrics listener.
# Keep the SQLite database and the admin key across restarts with a volume on /var/lib/ectus.

ENTRYPOINT ["ectus"]
CMD ["serve"]
