# Error: oneof empty.
lib: lib.types.oneOf [ ]
