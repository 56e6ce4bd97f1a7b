# Three independent steps in one stage: BuildKit runs them one after another.
FROM debian:12.4
WORKDIR /app
RUN sleep 5 && echo "fetch done" > /app/fetch.log
RUN sleep 5 && echo "assets done" > /app/assets.log
RUN sleep 5 && echo "docs done" > /app/docs.log
