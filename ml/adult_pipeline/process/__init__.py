"""What every script's process shares: settings from the environment, errors and exit codes, stop signals, atomic files."""
