# Error: toint leading zero.
lib: lib.toInt "012"
