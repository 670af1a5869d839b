"""The documentation site: every API version's docs, and for each rule what the servers actually did."""
