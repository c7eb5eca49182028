"""Development-only commands (the benchmark, the translation merge): kept out of the production image by .dockerignore."""
