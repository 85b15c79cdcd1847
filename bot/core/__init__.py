"""The advisor core: everything between a message's text and a Reply, with no Discord import."""
