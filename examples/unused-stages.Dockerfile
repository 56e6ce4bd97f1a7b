# Two stages that the final stage never uses: BuildKit skips them, the
# legacy builder (DOCKER_BUILDKIT=0) builds them for nothing.
FROM debian:12.4 as fetch
WORKDIR /app
RUN sleep 5 && echo "fetch done" > /app/result.log

FROM debian:12.4 as assets
WORKDIR /app
RUN sleep 5 && echo "assets done" > /app/result.log

FROM debian:12.4 as docs
WORKDIR /app
RUN sleep 5 && echo "docs done" > /app/result.log
