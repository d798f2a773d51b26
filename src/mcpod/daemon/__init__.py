"""The anyio daemon. Imported only by `mcpod daemon` (lazily) and by the tests.

Deliberately empty: importing one room (say `mcpod.daemon.catalog.search`) must not pull
in the rest of the daemon or the `mcp` SDK. The entry point is `mcpod.daemon.app.run`.
"""
