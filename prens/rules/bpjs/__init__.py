"""The BPJS round trip's rules (pure): the columns of the files that go to and come from the
branch, the import of membership numbers, and the monthly bill."""
