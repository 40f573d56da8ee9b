# Vigil: `make test` runs every test; `make bench` the benchmarks. One Cargo target directory
# (target/) serves every artifact, each built once per run.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
TARGET_DIR := $(CURDIR)/target
export CARGO_TARGET_DIR := $(TARGET_DIR)
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
# Crates whose tests need an embedding runtime (Python, Node) run through their own harness.
RUST_EXCLUDES := --exclude vigil-python

.PHONY: demo test rust-test lint fmt-check clippy header header-check c-test engine-eval bench tools

test: lint header-check rust-test c-test engine-eval
	@echo "make test: all suites passed"

tools:
	@command -v cbindgen >/dev/null || $(CARGO) install cbindgen --locked --version 0.29.4

rust-test:
	$(CARGO) test --workspace $(RUST_EXCLUDES)

lint: fmt-check clippy

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets $(RUST_EXCLUDES) -- -D warnings

# The committed C header must be what cbindgen generates from the sources now.
header: tools
	cbindgen --quiet --config bindings-c/cbindgen.toml --crate vigil-capi --output bindings-c/include/vigil.h

header-check: tools
	cbindgen --quiet --config bindings-c/cbindgen.toml --crate vigil-capi --output $(TARGET_DIR)/vigil.h.generated
	diff -u bindings-c/include/vigil.h $(TARGET_DIR)/vigil.h.generated || \
		{ echo "bindings-c/include/vigil.h is stale: run 'make header' and commit it"; exit 1; }

C_BUILD := $(TARGET_DIR)/c-tests
C_FLAGS := -std=c11 -Wall -Wextra -Werror -pedantic

# The C tests link the real library twice, through its pkg-config file: shared and static.
c-test:
	$(CARGO) build -p vigil-capi
	mkdir -p $(C_BUILD)/pkgconfig
	sed -e 's|@PREFIX@|$(CURDIR)|' -e 's|@INCLUDEDIR@|$(CURDIR)/bindings-c/include|' \
	    -e 's|@LIBDIR@|$(TARGET_DIR)/debug|' -e 's|@VERSION@|$(VERSION)|' \
	    bindings-c/vigil.pc.in > $(C_BUILD)/pkgconfig/vigil.pc
	export PKG_CONFIG_PATH=$(C_BUILD)/pkgconfig; \
	cc $(C_FLAGS) $$(pkg-config --cflags vigil) bindings-c/tests/test_vigil.c -o $(C_BUILD)/test_vigil_shared \
	    $$(pkg-config --libs vigil) -Wl,-rpath,$(TARGET_DIR)/debug; \
	cc $(C_FLAGS) $$(pkg-config --cflags vigil) bindings-c/tests/test_vigil.c -o $(C_BUILD)/test_vigil_static \
	    $(TARGET_DIR)/debug/libvigil.a $$(pkg-config --static --libs-only-l vigil | sed 's/-lvigil//')
	cd $(C_BUILD) && ./test_vigil_shared && ./test_vigil_static

# The default engine must catch every attack episode of a generated trace and block no benign user.
engine-eval:
	$(CARGO) run -q -p vigil-engine --features cli --bin vigil-trace -- generate --seed 7 --minutes 60 --out $(TARGET_DIR)/trace-seed7.jsonl
	$(CARGO) run -q -p vigil-engine --features cli --bin vigil-trace -- evaluate $(TARGET_DIR)/trace-seed7.jsonl

bench:
	$(CARGO) bench -p vigil-core --bench hot_path
	$(CARGO) bench -p vigil-engine --bench engine

# Vigil's main job, shown end to end (local mode until the server lands).
demo:
	$(CARGO) run -q -p vigil-core --example local_demo
