"""The UCI Adult data: its columns, reading and validating the raw files, cleaning and splits, the download."""
