"""Models as things on disk: identity, the catalog, families, the download store, export checks and
Hugging Face loading. Which models are loaded in a process is the runtime's model registry's business."""
