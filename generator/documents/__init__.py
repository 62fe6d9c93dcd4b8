"""The four appendix documents: templates (built by `templates`), sandboxed rendering, `generate`."""
