''
  line one
    indented ${"x"}
  last
''
