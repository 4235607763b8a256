# clockwatch: `make test` runs every test, as CI does (see hack/test.sh).

.PHONY: all build test demo bench

all: build

build:
	go build ./...

test:
	hack/test.sh

demo:
	go run ./cmd/clockwatch demo

bench:
	go test -run '^$$' -bench . -benchmem ./...
