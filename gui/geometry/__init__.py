"""Views of the geometry of learning: loss landscape, model over its data, lr sweeps."""
