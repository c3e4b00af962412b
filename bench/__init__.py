"""The benchmark: a school group at scale, measured side by side with its floors (see README.md)."""
