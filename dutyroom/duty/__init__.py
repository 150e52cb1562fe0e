"""The duty roster (值班表): who is the duty officer, duty leader and city leader on duty at any moment."""
