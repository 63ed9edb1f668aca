builtins.fromTOML ''
  a = 1
  b = "str"
  c = [ 1, 2 ]
  [t]
  x = true
  f = 1.5
  [[arr]]
  n = 1
  [[arr]]
  n = 2
''
