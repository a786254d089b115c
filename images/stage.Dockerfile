# The one stage image: corpus-proximity's CLI, so a container runs `stage NAME --store …` (one stage of a run) or
# `index --store …` (the whole pipeline).
#
# Built from a context that `corpus-proximity build-image` prepares (dist/, bin/, the naming prompts, package.json
# and the production node_modules), so the CPU build needs no registry beyond the base image.
#   CPU (default target `cpu`):  BASE=node:20-bookworm-slim. onnxruntime-node's CPU binaries are bundled in npm.
#   CUDA (target `cuda`, `build-image --cuda`): BASE=<an image with Node 20 and the CUDA 12 + cuDNN 9 runtime>;
#     the build runs onnxruntime-node's installer with ONNXRUNTIME_NODE_INSTALL=cuda12, which downloads the CUDA
#     execution provider (needs network at build time). Run stages with `--device cuda` and `--gpus`.
# Tests use a base made locally: FROM scratch with the host's node and its libraries (target `cpu` only: no shell).
ARG BASE=node:20-bookworm-slim
FROM ${BASE} AS cpu
ENV NODE_ENV=production NO_COLOR=1
WORKDIR /app
COPY app/ /app/
ENTRYPOINT ["node", "/app/bin/corpus-proximity.js"]
CMD ["--help"]

FROM cpu AS cuda
ARG ONNXRUNTIME_NODE_INSTALL=cuda12
RUN cd /app/node_modules/onnxruntime-node && ONNXRUNTIME_NODE_INSTALL=${ONNXRUNTIME_NODE_INSTALL} node script/install.js \
 && test -f bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so
