"""The live web view: a page served by oscnet, pushed over a WebSocket (see docs/web.md)."""
