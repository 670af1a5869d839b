"""The contract suite: a target file names a server; pytest + Hypothesis + Schemathesis check it against the spec."""
