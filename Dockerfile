# The rdock container image:
#
#   docker build -t rdock .
#   docker run --rm -v "$PWD:/src" rdock lint /src
#
# The base images are build arguments so that an offline builder can point
# them at local images (see README, "Container image").

# RUST_IMAGE is the image with the Rust toolchain that builds rdock.
ARG RUST_IMAGE=rust:1.95-slim-bookworm
# RUNTIME_IMAGE is the minimal image that rdock runs in.
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot

FROM ${RUST_IMAGE} AS builder
# CI builds `dev`, which builds quicker (see README, "Container image").
# PROFILE is the cargo profile: `release` for the image users run.
ARG PROFILE=release
WORKDIR /build
COPY Cargo.toml Cargo.lock README.md ARCHITECTURE.md ./
COPY src ./src
COPY rules ./rules
# The registry and target caches survive between builds; the binary is copied
# out of the cache mount so that the next stage can take it.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/build/target \
    cargo build --profile "$PROFILE" --locked --bin rdock \
    && if [ "$PROFILE" = dev ]; then dir=debug; else dir="$PROFILE"; fi \
    && install -D -m 0755 "target/$dir/rdock" /out/rdock

FROM ${RUNTIME_IMAGE} AS runtime
COPY --from=builder /out/rdock /usr/local/bin/rdock
WORKDIR /src
# A command-line tool that exits when done, not a service to probe.
HEALTHCHECK NONE
ENTRYPOINT ["/usr/local/bin/rdock"]
CMD ["lint", "/src"]
