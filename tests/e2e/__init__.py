"""End-to-end tests: the real SDKs against live emulators over HTTP."""
