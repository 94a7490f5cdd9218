"""gclab: a discrete-event simulation framework for concurrent garbage collectors in Go's shape."""

__version__ = "0.1.0"
