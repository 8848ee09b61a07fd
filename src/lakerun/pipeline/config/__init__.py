"""The pipeline's configuration: strict pydantic models, the YAML loader and the JSON Schema export."""
