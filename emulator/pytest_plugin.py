"""pytest plugin for the jobs emulator (work in progress)."""
