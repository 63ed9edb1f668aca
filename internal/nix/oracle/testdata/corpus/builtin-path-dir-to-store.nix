"${./data/dir}"
