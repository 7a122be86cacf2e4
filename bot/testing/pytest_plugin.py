"""pytest plugin (entry point pytest11): collects *.chat.yaml canned tests. Filled in by the
canned-tests work; until then it registers nothing."""
