"""imagegen: a self-hostable image studio in pure Python."""
