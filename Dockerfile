# The clockwatch container image, for users with a registry and a Docker or
# Podman engine:
#
#   docker build -t registry.example.com/clockwatch:$(cat VERSION) .
#   docker buildx build --platform linux/amd64,linux/arm64 -t ... --push .
#
# It is the image `make dist` writes without any engine or base image
# (dist/clockwatch-VERSION.oci.tar, hack/dist/image.go): the static
# binaries and the default configuration on an empty base, run as the
# non-root user 10001. A test in hack/dist keeps the two alike.

FROM --platform=$BUILDPLATFORM golang:1.26 AS build
ARG TARGETOS=linux
ARG TARGETARCH=amd64
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN revision=$(git rev-parse HEAD 2>/dev/null || true) && \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X github.com/prometheus/common/version.Version=$(cat VERSION) -X github.com/prometheus/common/version.Revision=$revision" \
      -o /rootfs/usr/bin/ ./cmd/... && \
    install -D -m 0644 deploy/clockwatch.yml /rootfs/etc/clockwatch/clockwatch.yml && \
    install -d -o 10001 -g 10001 -m 0700 /rootfs/var/lib/clockwatch && \
    install -d -o 10001 -g 10001 -m 0755 /rootfs/run/clockwatch

FROM scratch
COPY --from=build /rootfs /
USER 10001:10001
# HTTP (/metrics, the API, the page); the peer responder (off by default,
# --responder.listen-address=:9123).
EXPOSE 9896/tcp 9123/udp
ENTRYPOINT ["/usr/bin/clockwatch"]
CMD ["run", "--config.file=/etc/clockwatch/clockwatch.yml"]
