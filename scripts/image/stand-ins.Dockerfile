# Local stand-ins for the two base images of the repository's Dockerfile, for
# an engine that cannot pull (CI): scripts/image.sh builds them from the
# engine's debootstrapped `debian:12.4` and the Rust toolchain on the host.
#
#   target `rust`: like rust:1.95-slim-bookworm (Debian 12, gcc, the toolchain
#     in /usr/local with CARGO_HOME=/usr/local/cargo); the build context
#     `toolchain` is the host's rustup toolchain directory. It is also an
#     offline crate mirror: the build context `vendor` is `cargo vendor`'s
#     output for Cargo.lock, and cargo's configuration replaces crates.io with
#     it, so the unchanged Dockerfile builds with no network. Its `dev`
#     profile has no debug info and unoptimised dependencies: CI builds the
#     image with `--build-arg PROFILE=dev` to check that it builds and runs,
#     as fast as cargo can.
#   target `cc`: like gcr.io/distroless/cc-debian12:nonroot (glibc and libgcc
#     from Debian 12, no shell, user nonroot 65532).
ARG DEBIAN_IMAGE=debian:12.4

FROM ${DEBIAN_IMAGE} AS rust
# The linker (gcc, libc6-dev) and CA certificates, as in the rust:slim images.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates=20230311* gcc=4:12.2.0* libc6-dev=2.36* \
    && rm -rf /var/lib/apt/lists/*
# Only what cargo and rustc need to build for the host.
COPY --from=toolchain bin/cargo bin/rustc /usr/local/rust/bin/
COPY --from=toolchain lib/ /usr/local/rust/lib/
ENV CARGO_HOME=/usr/local/cargo \
    PATH=/usr/local/cargo/bin:/usr/local/rust/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
COPY --from=vendor . /usr/local/cargo/vendor/
RUN mkdir -p /usr/local/cargo/bin \
    && printf '%s\n' '[source.crates-io]' 'replace-with = "vendored-sources"' \
        '[source.vendored-sources]' 'directory = "/usr/local/cargo/vendor"' \
        '[net]' 'offline = true' \
        '[profile.dev]' 'debug = 0' '[profile.dev.package."*"]' 'opt-level = 0' \
        >/usr/local/cargo/config.toml \
    && cargo --version && rustc --version

FROM ${DEBIAN_IMAGE} AS cc-files
RUN mkdir -p /out/etc /out/lib/x86_64-linux-gnu /out/lib64 /out/home/nonroot /out/tmp \
    && cp -a /lib/x86_64-linux-gnu/libc.so.6 /lib/x86_64-linux-gnu/libm.so.6 \
        /lib/x86_64-linux-gnu/libgcc_s.so.1 /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 \
        /out/lib/x86_64-linux-gnu/ \
    && cp -a /lib64/ld-linux-x86-64.so.2 /out/lib64/ \
    && printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >/out/etc/passwd \
    && printf 'root:x:0:\nnogroup:x:65534:\nnonroot:x:65532:\n' >/out/etc/group \
    && chown 65532:65532 /out/home/nonroot \
    && chmod 1777 /out/tmp

FROM scratch AS cc
COPY --from=cc-files /out/ /
USER 65532:65532
WORKDIR /home/nonroot
