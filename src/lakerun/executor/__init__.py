"""In-workspace job types (seed 000's executor): schema validation, metadata, reading, quality, transmission."""
