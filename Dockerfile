# ML Service image: build the single binary with Bun, run it on slim Debian with the Vulkan
# loader and Mesa's drivers (lavapipe; a host GPU's ICD can be mounted in for real hardware).
# Untested here: no Docker engine runs on the development machines.

# Node 22 (LTS): Node 20 is end of life
FROM node:22-bookworm-slim AS build
WORKDIR /src
# gcc builds the native CPU kernels embedded in the binary
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# onnxruntime-node is a test-only dependency: its install script would fetch CUDA parts
RUN ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
COPY . .
RUN npx bun scripts/build.ts

FROM debian:bookworm-slim
# the repository URL is not fixed in the sources: docker build --build-arg IMAGE_SOURCE=<url>;
# the licence is package.json's ("UNLICENSED": proprietary, no licence granted)
ARG IMAGE_SOURCE=""
LABEL org.opencontainers.image.title="mlservice" \
      org.opencontainers.image.description="ML Service: train, serve and monitor neural networks on tabular data" \
      org.opencontainers.image.source="${IMAGE_SOURCE}" \
      org.opencontainers.image.licenses="UNLICENSED"
RUN sed -i '0,/^Suites: bookworm bookworm-updates$/s//Suites: bookworm bookworm-updates bookworm-backports/' \
      /etc/apt/sources.list.d/debian.sources \
 && apt-get update \
 && apt-get install -y --no-install-recommends -t bookworm-backports libvulkan1 mesa-vulkan-drivers \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /var/lib/mlservice mlservice
COPY --from=build /src/dist/mlservice /usr/local/bin/mlservice
USER mlservice
WORKDIR /var/lib/mlservice
ENV ML_DB_PATH=/var/lib/mlservice/ml_store.db \
    ML_ARTIFACTS_ROOT=/var/lib/mlservice/artifacts \
    ML_DATASETS_ROOT=/var/lib/mlservice/datasets \
    XDG_RUNTIME_DIR=/tmp \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics
VOLUME /var/lib/mlservice
EXPOSE 8085
# GET /readyz on 127.0.0.1:$ML_SERVICE_PORT (default 8085); exit 1 while not ready
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["/usr/local/bin/mlservice","health"]
ENTRYPOINT ["/usr/local/bin/mlservice"]
CMD ["serve"]
