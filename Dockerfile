# syntax=docker/dockerfile:1
# Builds the static conda-credential-helper binary for x86_64 Linux with the musl target
# and ships it alone, at /conda-credential-helper, in an image made FROM scratch:
#
#   docker build --tag conda-credential-helper .
#
# A builder stage then copies it with
#
#   COPY --from=conda-credential-helper /conda-credential-helper /usr/local/bin/
#
# NOTE: the test suite checks this file's content (tests/dockerfiles.rs) but does not
# build it, because it runs without a Docker engine. It builds the same binary for the
# gnu target with scripts/build-static.

# The toolchain version the project is tested with. Cargo.toml's rust-version is the
# minimum.
ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS build
# ring, which rustls uses for its cryptography, compiles C and assembly for the target, so
# the musl target needs musl-gcc from musl-tools.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends musl-tools \
    && rm -rf /var/lib/apt/lists/*
RUN rustup target add x86_64-unknown-linux-musl
WORKDIR /src
COPY . .
# The target folder is a cache mount, so the binary is copied out in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cp "$(scripts/build-static x86_64-unknown-linux-musl)" /conda-credential-helper

FROM scratch
# VERSION must equal the version in Cargo.toml, which tests/dockerfiles.rs checks.
ARG VERSION=0.1.0
# TODO: give SOURCE_URL a default once Cargo.toml names the repository. Until then pass
# it, for example --build-arg SOURCE_URL="$GITHUB_SERVER_URL/$GITHUB_REPOSITORY".
ARG SOURCE_URL
LABEL org.opencontainers.image.title="conda-credential-helper" \
      org.opencontainers.image.description="Static credential helper and conda plugin for Anaconda's private channels" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0"
COPY --from=build /conda-credential-helper /conda-credential-helper
ENTRYPOINT ["/conda-credential-helper"]
