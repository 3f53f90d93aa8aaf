"""The program's rules, pure: identity numbers, dates, phones, names, regions, problems,
validation, the lifecycle, messages, response fingerprints. No I/O beyond the packaged data."""
