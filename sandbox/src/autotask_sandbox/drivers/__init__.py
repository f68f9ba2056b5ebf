"""I/O around the sans-I/O dispatcher: ASGI app, in-process httpx transports, uvicorn server, CLI, pytest plugin."""
