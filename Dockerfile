# The mts HTTP API in two builds of one image:
#   cpu  (the default target, the last stage): torch's CPU build
#   cuda (docker build --target cuda, or docker-compose.gpu.yml): torch's CUDA build
# Models are not baked in: they live in the /models volume (fill it once with
# `docker compose run --rm models`). Both run as the unprivileged user `mts`.
#
# Why the CUDA build sits on python:3.11-slim and not on an NVIDIA CUDA base image: the torch wheels
# on the public package index carry their CUDA libraries (cuBLAS, cuDNN, NCCL… as nvidia-* wheels),
# so the container needs only the host's NVIDIA driver, which the NVIDIA Container Toolkit mounts
# when a GPU is reserved. A CUDA base image would add a second, separately versioned copy of those
# libraries. CTranslate2's wheels want CUDA 12's cuBLAS, which torch's CUDA libraries may not be:
# with MTS_BACKEND=auto the service then runs on the GPU through torch and says why in its log.

FROM python:3.11-slim AS base
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MTS_MODELS_DIR=/models \
    MTS_DOCUMENTS_PATH=/documents \
    MTS_GLOSSARIES_PATH=/glossaries/glossaries.sqlite3 \
    MTS_HOST=0.0.0.0 \
    MTS_PORT=8000
RUN useradd --create-home --uid 1000 mts \
    && mkdir -p /models /documents /glossaries \
    && chown mts /models /documents /glossaries
WORKDIR /app
COPY constraints.txt ./

# -- cuda ------------------------------------------------------------------------------------------
FROM base AS cuda
# constraints.txt pins torch's version; on Linux the public package index's torch is the CUDA build.
# A machine whose NVIDIA driver is older than that build's CUDA can take a wheel for an older CUDA
# from PyTorch's own wheel index (see PyTorch's install selector): --build-arg TORCH_INDEX=<index>.
ARG TORCH_INDEX=""
RUN pip install -c constraints.txt ${TORCH_INDEX:+--extra-index-url "$TORCH_INDEX"} torch \
    && python -c "import sys, torch; print('torch', torch.__version__, 'CUDA', torch.version.cuda); \
sys.exit(None if torch.version.cuda else 'the cuda target got a CPU build of torch: leave TORCH_INDEX \
unset, or set it to a CUDA wheel index of PyTorch')"
COPY pyproject.toml README.md ./
COPY service ./service
COPY prompts ./prompts
# Optional extras of the package: --build-arg EXTRAS=ray for Ray (`mts serve --engine ray`, the
# batch job on a Ray cluster). `mts serve` itself, which the compose file runs, needs none.
ARG EXTRAS=""
RUN pip install -c constraints.txt -e ".${EXTRAS:+[$EXTRAS]}"
USER mts
EXPOSE 8000
CMD ["mts", "serve", "--host", "0.0.0.0", "--port", "8000"]

# -- cpu (default) ---------------------------------------------------------------------------------
FROM base AS cpu
# The public package index has no CPU-only torch for Linux x86-64: its torch is the multi-GB CUDA
# build. PyTorch publishes CPU-only wheels (versioned 2.13.0+cpu, which satisfies the pin and is
# preferred over the plain 2.13.0) on its CPU wheel index (see PyTorch's install selector):
#   docker build --build-arg TORCH_INDEX=<PyTorch's CPU wheel index> .
# (or TORCH_INDEX=... in the environment or .env of `docker compose build`). Without it this stage
# stops with that message, after fetching only the torch wheel (no CUDA libraries), rather than
# ship the CUDA build under the name cpu. The package install below adds torch's dependencies.
ARG TORCH_INDEX=""
RUN pip install --no-deps -c constraints.txt ${TORCH_INDEX:+--extra-index-url "$TORCH_INDEX"} torch \
    && python -c "import importlib.metadata as m, sys; v = m.version('torch'); print('torch', v); \
sys.exit(None if v.endswith('+cpu') else 'torch ' + v + ' is not the CPU build: set TORCH_INDEX to \
the CPU wheel index of PyTorch (see the install selector on its site), or build --target cuda')"
COPY pyproject.toml README.md ./
COPY service ./service
COPY prompts ./prompts
ARG EXTRAS=""
RUN pip install -c constraints.txt -e ".${EXTRAS:+[$EXTRAS]}"
USER mts
EXPOSE 8000
CMD ["mts", "serve", "--host", "0.0.0.0", "--port", "8000"]
