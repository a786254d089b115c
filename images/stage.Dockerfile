# The one stage image: corpus-proximity's CLI, so a container runs `stage NAME --store …` (one stage of a run) or
# `index --store …` (the whole pipeline).
#
# Built from a context that `corpus-proximity build-image` prepares (dist/, bin/, the naming prompts, package.json
# and the production node_modules), so the build needs no registry.
#   CPU (default):  BASE=node:20-bookworm-slim
#   CUDA:           BASE=<an image with Node 20 and the CUDA 12 runtime>, ONNXRUNTIME_NODE_INSTALL=cuda12
#                   (used by onnxruntime-node once the ONNX embedder lands; the CPU binaries are always bundled)
# Tests use a base made locally: FROM scratch with the host's node and its libraries.
ARG BASE=node:20-bookworm-slim
FROM ${BASE}
ARG ONNXRUNTIME_NODE_INSTALL=skip
ENV ONNXRUNTIME_NODE_INSTALL=${ONNXRUNTIME_NODE_INSTALL} NODE_ENV=production NO_COLOR=1
WORKDIR /app
COPY app/ /app/
ENTRYPOINT ["node", "/app/bin/corpus-proximity.js"]
CMD ["--help"]
