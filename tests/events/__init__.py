"""TMF630 part 2 event hub tests: real HTTP listeners, every API and version, both databases."""
