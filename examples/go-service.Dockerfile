# syntax=docker/dockerfile:1
ARG GO_VERSION=1.22
FROM golang:${GO_VERSION}-bookworm AS Build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -o /out/service ./cmd/service

FROM build as test
RUN go test ./...

FROM gcr.io/distroless/static-debian12 AS release
COPY --from=bulid /out/service /service
USER nonroot:nonroot
ENTRYPOINT ["/service"]
