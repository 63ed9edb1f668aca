let v = "a\nb"; in ''
    first
      ${v}
    end''
