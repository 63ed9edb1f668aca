''
  a ''$ b
  c '''' d
  e ''\n f ''\t g
  tab	here
''
