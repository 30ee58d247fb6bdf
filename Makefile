# The two commands a newcomer needs: `make run` and `make test`. Both install what is missing first.
.PHONY: all deps build build-dev run test node-deps bench lint format clean

# ccache keys on paths relative to the checkout, so a clone elsewhere (CI) reuses the cache.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

all: build

deps:
	@scripts/install-deps

build: deps
	cmake --preset release >/dev/null
	cmake --build --preset release --target wharf

build-dev: deps
	cmake --preset dev >/dev/null
	cmake --build --preset dev

node-deps: deps
	@cd tests/integration && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; }

run: build
	scripts/run-demo

test: build-dev node-deps
	ctest --preset dev --output-on-failure -j2

bench: build
	cmake --build --preset release --target wharf-outbound-bench
	bench/startup/run
	bench/ingest/run
	bench/dispatch/run
	bench/outbound/run

lint:
	scripts/check-format

format:
	clang-format -i $$(git ls-files 'src/*.cc' 'src/*.h' 'apps/*.cc' 'apps/*.h' 'tests/*.cc' 'tests/*.h' 'bench/*.cc')

clean:
	rm -rf build
