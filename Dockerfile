# One image with every binary of the workspace (ingest, aggregator, alerter, api, ptctl);
# docker-compose.yml picks the binary per service.
FROM rust:1.95-bookworm AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends cmake && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cargo build --release --locked --bins

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 telemetry
COPY --from=build /src/target/release/ingest /usr/local/bin/ingest
COPY --from=build /src/target/release/aggregator /usr/local/bin/aggregator
COPY --from=build /src/target/release/alerter /usr/local/bin/alerter
COPY --from=build /src/target/release/api /usr/local/bin/api
COPY --from=build /src/target/release/ptctl /usr/local/bin/ptctl
USER telemetry
CMD ["ingest"]
