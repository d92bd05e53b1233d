"""The sentence-transformers embedder (model folder, backend, batching) and its cached ONNX export."""
