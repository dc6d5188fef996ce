# syntax=docker/dockerfile:1
# sonde's container image (docs/install-kubernetes.md): built on Debian 12 with Debian's
# packages, run on Debian 12 slim with only the shared libraries the binary needs, as a non-root
# user. `docker build -t sonde .` (or podman/buildah/kaniko) from the repository's root.
#
# tools/image-test.sh checks the runtime stage without a container engine: it runs the stage's
# RUN lines in a Debian 12 chroot, copies the build's binary where COPY puts it, and starts it
# as the USER below until /ready answers.

FROM debian:12 AS build
# The build dependencies, from the project's own list (only the build half).
COPY tools/install-deps.sh /src/tools/install-deps.sh
RUN /src/tools/install-deps.sh --build-only && rm -rf /var/lib/apt/lists/*
COPY . /src
WORKDIR /src
# The package preset: prefix /usr, no tests or benchmarks; installs /usr/bin/sonde.
RUN cmake --preset package >/dev/null \
 && cmake --build --preset package -j "$(nproc)" \
 && cmake --install build/package \
 && /usr/bin/sonde --version

FROM debian:12-slim AS runtime
# What `ldd /usr/bin/sonde` needs beyond the slim base (libc6, libgcc-s1), and CA certificates
# for remote write and notifiers over TLS. Nothing else: no shell tools beyond the base's.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates libcrypt1 libfmt9 libisal2 libprometheus-cpp-core1.0 libre2-9 \
      libsnappy1v5 libspdlog1.10 libssl3 libstdc++6 libyaml-cpp0.7 zlib1g \
 && rm -rf /var/lib/apt/lists/*
# uid/gid 10001: the DaemonSet's runAsUser/runAsGroup and the socket's group that app pods join.
RUN groupadd --gid 10001 sonde \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin sonde
COPY --from=build /usr/bin/sonde /usr/bin/sonde
COPY --from=build /etc/sonde/sonde.yaml /etc/sonde/sonde.yaml
# The shipped alert rules (config/rules/, docs/alerts.md), which that configuration loads.
COPY --from=build /usr/share/sonde/rules/ /usr/share/sonde/rules/
USER 10001:10001
EXPOSE 9477/tcp 8125/udp
ENTRYPOINT ["/usr/bin/sonde"]
CMD ["--config=/etc/sonde/sonde.yaml"]
