let unused = throw "never"; in 5
