# Error: toint float.
lib: lib.toInt "1.5"
