"""Each API's own business rules: one module per API, named by its manifest's `rules`
(mappings/<API>/manifest.yaml), with a RULES dict keyed by resource path."""
