"""The `lendbook` command line: operator commands at the edge, over the same domain layer as the web app."""
