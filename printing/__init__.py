"""The print queue, print jobs, the print desk and the pickup desk."""
