"""Headless commands: inspect, gradcheck, train, compare.  Never imports Qt."""
