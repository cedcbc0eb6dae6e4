# FraudStream's container image: the `fraudstream` program with the default model inside, on the
# ASP.NET Core runtime (the service serves /metrics, /healthz and /readyz), running as a non-root user.
#
#   docker build -t fraudstream .
#   docker run --rm -e FRAUDSTREAM__BOOTSTRAP=kafka:9092 -p 9464:9464 fraudstream run
#
# Configuration is by environment variables (FRAUDSTREAM__KEY, see docs/operations.md) or arguments.

ARG DOTNET_VERSION=10.0

# ---- build: restore from the project files alone (a cached layer), then publish ----
FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Directory.Build.props src/
COPY src/FraudStream.Core/FraudStream.Core.csproj src/FraudStream.Core/
COPY src/FraudStream.Traffic/FraudStream.Traffic.csproj src/FraudStream.Traffic/
COPY src/FraudStream.Ml/FraudStream.Ml.csproj src/FraudStream.Ml/
COPY src/FraudStream.Kafka/FraudStream.Kafka.csproj src/FraudStream.Kafka/
COPY src/FraudStream.Service/FraudStream.Service.csproj src/FraudStream.Service/
COPY src/FraudStream.Cli/FraudStream.Cli.csproj src/FraudStream.Cli/
RUN dotnet restore src/FraudStream.Cli/FraudStream.Cli.csproj
COPY src/ src/
COPY models/default.zip models/
RUN dotnet publish src/FraudStream.Cli/FraudStream.Cli.csproj -c Release --no-restore -o /app
# The Kafka client package carries librdkafka for seven platforms (about 100 MiB): keep this one's.
ARG TARGETARCH
RUN arch="${TARGETARCH:-$(dpkg --print-architecture)}" \
    && case "$arch" in amd64) rid=linux-x64 ;; arm64) rid=linux-arm64 ;; *) echo "unsupported architecture: $arch" >&2; exit 1 ;; esac \
    && find /app/runtimes -mindepth 1 -maxdepth 1 ! -name "$rid" -exec rm -rf {} + \
    && test -f /app/models/default.zip \
    && mkdir -p /data

# ---- runtime: chiseled Ubuntu (no shell, no package manager), non-root by default ----
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build /app ./
# A folder the non-root user owns, for generated traffic (a named volume mounted here inherits it).
COPY --from=build --chown=1654:1654 /data /data
# 1654 is the image's unprivileged "app" user; numeric, so Kubernetes' runAsNonRoot can verify it.
USER 1654:1654
ENV FRAUDSTREAM__METRICSHOST=0.0.0.0 \
    FRAUDSTREAM__METRICSPORT=9464 \
    FRAUDSTREAM__LOGFORMAT=json \
    ASPNETCORE_HTTP_PORTS=
EXPOSE 9464
ENTRYPOINT ["dotnet", "/app/fraudstream.dll"]
CMD ["--help"]
