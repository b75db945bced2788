"""Planning a transfer: sorted listings and the streamed diff of source and destination."""
