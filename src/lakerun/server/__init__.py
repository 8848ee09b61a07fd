"""FastAPI app of the control plane: /v1 API, WebSocket events, dashboard and auth."""
