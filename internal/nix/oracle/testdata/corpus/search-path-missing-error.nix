<nonexistent-cairn-path>
