[ (toString 0.1) (toString 1.0e20) (toString (1.0 / 3)) (toString 100.0) ]
