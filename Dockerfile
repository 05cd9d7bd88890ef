# ML Service image: build the single binary with Bun, run it on slim Debian with the Vulkan
# loader and Mesa's drivers (lavapipe; a host GPU's ICD can be mounted in for real hardware).
# Untested here: no Docker engine runs on the development machines.

FROM node:20-bookworm-slim AS build
WORKDIR /src
# gcc builds the native CPU kernels embedded in the binary
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx bun scripts/build.ts

FROM debian:bookworm-slim
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
    XDG_RUNTIME_DIR=/tmp
VOLUME /var/lib/mlservice
EXPOSE 8085
ENTRYPOINT ["/usr/local/bin/mlservice"]
CMD ["serve"]
