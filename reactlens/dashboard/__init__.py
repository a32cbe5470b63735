"""The live dashboard: a screening (or a collector's cameras) in a browser while it runs."""
