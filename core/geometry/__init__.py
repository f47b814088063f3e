"""The geometry of learning: loss landscapes and the model's function over its data."""
