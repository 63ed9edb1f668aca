[ http://example.org/foo?bar=1 mailto:x@y ]
