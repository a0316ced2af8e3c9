# The mts HTTP API. Models are not baked in: they live in the /models volume
# (fill it once with `docker compose run --rm models`).
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    MTS_MODELS_DIR=/models \
    MTS_HOST=0.0.0.0 \
    MTS_PORT=8000

# torch: constraints.txt pins the version; point PIP_EXTRA_INDEX_URL at PyTorch's CPU wheel index
# to get the CPU build instead of the default CUDA one.
ARG PIP_EXTRA_INDEX_URL=""

WORKDIR /app
COPY pyproject.toml README.md constraints.txt ./
COPY service ./service
COPY prompts ./prompts
RUN pip install -c constraints.txt -e . \
    && useradd --create-home mts \
    && mkdir -p /models \
    && chown mts /models

USER mts
EXPOSE 8000
CMD ["mts", "serve", "--host", "0.0.0.0", "--port", "8000"]
