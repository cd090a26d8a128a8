"""Charts for the package pages: ``render_charts(warehouse, out_dir)`` in :mod:`flows.charts.render`."""
