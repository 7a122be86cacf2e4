"""The interactive REPL (prompt_toolkit is imported only inside this package)."""
