"""The scripts' runs: the stage functions, pipeline.py's gated run, promote.py's promotion, and the metrics line they print."""
