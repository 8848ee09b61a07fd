"""The pipelines API: register a pipeline's job and trigger its layers."""
