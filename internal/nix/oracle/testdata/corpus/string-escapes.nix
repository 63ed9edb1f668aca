[ "a\nb" "tab\there" "cr\rx" "quote\"q" "back\\slash" "dollar\${x}" "$" "$$" "\x" "a$b" "''" ]
