"""Storage backends behind one small interface, registered by URL scheme."""
