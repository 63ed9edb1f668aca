builtins.trace "tracing" (builtins.trace { a = 1; } 42)
