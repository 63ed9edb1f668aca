[ [ ] [ [ 1 ] ] { a = [ { } ]; } null true false ]
