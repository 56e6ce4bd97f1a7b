# The same work as serial.Dockerfile, split into stages that BuildKit runs
# at the same time and joined with COPY --from.
FROM debian:12.4 AS fetch
WORKDIR /app
RUN sleep 5 && echo "fetch done" > /app/fetch.log

FROM debian:12.4 AS assets
WORKDIR /app
RUN sleep 5 && echo "assets done" > /app/assets.log

FROM debian:12.4 AS docs
WORKDIR /app
RUN sleep 5 && echo "docs done" > /app/docs.log

FROM debian:12.4 AS final
WORKDIR /app
COPY --from=fetch /app/fetch.log /app/fetch.log
COPY --from=assets /app/assets.log /app/assets.log
COPY --from=docs /app/docs.log /app/docs.log
