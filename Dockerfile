# lockstep serve: a fitted pipeline + ONNX model behind HTTP (docs/serving.md).
# Not built in CI (no Docker engine there); an example to adapt.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release -p lockstep-serve --bin lockstep

# ONNX Runtime's shared library, from the PyPI wheel (Debian 12 has no package).
FROM python:3.11-slim-bookworm AS ort
RUN pip download --no-deps --only-binary=:all: onnxruntime==1.32.0 -d /whl \
 && python -m zipfile -e /whl/onnxruntime-*.whl /ort \
 && cp /ort/onnxruntime/capi/libonnxruntime.so.1.32.0 /libonnxruntime.so

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 lockstep \
 && mkdir -p /var/log/lockstep && chown lockstep /var/log/lockstep
COPY --from=build /src/target/release/lockstep /usr/local/bin/lockstep
COPY --from=ort /libonnxruntime.so /usr/local/lib/libonnxruntime.so
ENV ORT_DYLIB_PATH=/usr/local/lib/libonnxruntime.so RUST_LOG=info
USER lockstep
EXPOSE 8080
# Mount the model and the fitted pipeline at /models.
ENTRYPOINT ["lockstep", "serve", "--addr", "0.0.0.0:8080", "--log-dir", "/var/log/lockstep"]
CMD ["--model", "/models/model.onnx", "--pipeline", "/models/pipeline.json", "--name", "model"]
