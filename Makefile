# The two commands of the README, and their parts. Every target installs what it needs first
# (tools/install-deps.sh is idempotent and quick when nothing is missing).
.PHONY: run test test-asan test-package test-image deps deps-build build build-asan clean

JOBS ?= $(shell nproc)
SONDE_ARGS ?=

run: deps-build
	cmake --preset release >/dev/null
	cmake --build --preset release --target sonde -j $(JOBS)
	./build/release/daemon/sonde $(SONDE_ARGS)

test: deps build
	ctest --preset release -j $(JOBS)

test-asan: deps build-asan
	ctest --preset asan -j $(JOBS)

# The Debian package: built, lint-checked, then installed, run and purged in a fresh Debian 12
# chroot (root and network needed; tools/package.sh, docs/deploy.md).
test-package: deps
	./tools/package.sh --test

# The container image's runtime stage (Dockerfile): run in a Debian 12 chroot with only its
# packages, as the DaemonSet runs it, until /ready answers (root and network needed;
# tools/image-test.sh, docs/install-kubernetes.md).
test-image: deps
	./tools/image-test.sh

deps:
	./tools/install-deps.sh

deps-build:
	./tools/install-deps.sh --build-only

build:
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

build-asan:
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)

clean:
	rm -rf build
