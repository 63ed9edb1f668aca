"${./data/dir}/x"
