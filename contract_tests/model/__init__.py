"""The executable model of the documented API, and the linearizability checker of concurrent histories."""
