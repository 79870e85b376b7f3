# syntax=docker/dockerfile:1
# Build: a static binary (pure Go: modernc.org/sqlite needs no cgo).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/conductbot ./cmd/conductbot

# Run: distroless, non-root; time zone data and CA certificates included.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/conductbot /usr/local/bin/conductbot
ENV CONDUCTBOT_DATA_DIR=/data
VOLUME ["/data"]
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/conductbot"]
CMD ["serve"]
