[ ./data ./data/hello.txt /absolute/path ]
