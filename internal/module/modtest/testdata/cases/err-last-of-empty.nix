# Error: last of empty.
lib: lib.last [ ]
