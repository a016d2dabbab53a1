"""Performance metrics, the tracking CSV, weekly reports and the HTML tearsheet."""
