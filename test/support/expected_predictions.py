"""Run inside the model image (tests only): what test.py computes for every registry version on this run's
processed test split. Prints one JSON object: the rows as columns, and per version the labels test.py's
accuracy counts (the model's predict) and the probabilities of >50K (its predict_proba).

Environment: the image's (RAW_DATA_FILE, TEST_DATA_FILE, REGISTRY_DIR); preprocessing.py runs first."""

import json
import os
import subprocess
import sys

from adult_pipeline.data import features
from adult_pipeline.data.schema import LABELS
from adult_pipeline.modelling import model_store
from adult_pipeline.process.config import load_settings, setting
from adult_pipeline.promotion import registry


def main() -> int:
    subprocess.run([sys.executable, "preprocessing.py"], check=True, stdout=subprocess.DEVNULL)
    x, _ = features.split_xy(features.read_processed(load_settings(os.environ).paths.test_csv))
    versions = {}
    for number, version in registry.read_versions(setting(os.environ, "REGISTRY_DIR")).items():
        model = model_store.load(version.folder, version.model_digests).model
        versions[number] = {
            "labels": [LABELS[label] for label in model.predict(x).tolist()],
            "probabilities": model.predict_proba(x)[:, 1].tolist(),
        }
    print(json.dumps({"rows": x.to_dict(orient="list"), "versions": versions}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
