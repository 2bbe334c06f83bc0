"""Chooses MODEL=xgb's hyper-parameters by cross-validation on the training file only, and writes
them with their CV scores to adult_pipeline/modelling/tuned_params.json (which the model reads).

The test file is never read. Every candidate is a grid point plus a number of boosting rounds:
each fold is fitted once with the most rounds and scored after every ROUND_STEP rounds. Seeds are
fixed and the model runs on one thread, so a rerun writes the same file. Run inside the model image
(same library versions) with ml/tuning/run.sh.
"""

import argparse
import itertools
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from joblib import Parallel, delayed
from sklearn.model_selection import RepeatedStratifiedKFold

from adult_pipeline.data import dataset, features
from adult_pipeline.modelling import estimators

FOLDS = 5
REPEATS = 2  # two shuffles: the best candidates differ by a few rows, less than one shuffle's noise
CV_SEED = 0
MODEL_SEED = 42
ROUND_STEP = 25
# Most rounds per learning rate; also what keeps the default gated run within its time budget.
MAX_ROUNDS = {0.05: 800, 0.1: 400}
GRID: Mapping[str, Sequence[Any]] = {
    "max_depth": (5, 6, 8),
    "min_child_weight": (1, 4),
    "colsample_bytree": (0.4, 0.6, 0.8),
}


def candidates() -> Iterator[dict[str, Any]]:
    """Every grid point with each learning rate, without the number of rounds."""
    for learning_rate in MAX_ROUNDS:
        for values in itertools.product(*GRID.values()):
            yield {"learning_rate": learning_rate, **dict(zip(GRID, values, strict=True))}


def checkpoints(learning_rate: float) -> list[int]:
    return list(range(ROUND_STEP, MAX_ROUNDS[learning_rate] + 1, ROUND_STEP))


def fold_curve(params: Mapping[str, Any], x, y, train: np.ndarray, held_out: np.ndarray) -> np.ndarray:
    """Held-out accuracy of one fold after each checkpoint's number of rounds."""
    rounds = checkpoints(params["learning_rate"])
    pipeline = estimators.xgb_pipeline(MODEL_SEED, {**params, "n_estimators": rounds[-1]})
    pipeline.fit(x.iloc[train], y.iloc[train])
    encoded = pipeline[:-1].transform(x.iloc[held_out])
    truth = y.to_numpy()[held_out]
    classifier = pipeline[-1]
    return np.array(
        [((classifier.predict_proba(encoded, iteration_range=(0, n))[:, 1] > 0.5) == truth).mean() for n in rounds]
    )


def search(x, y, jobs: int) -> list[dict[str, Any]]:
    """Mean and standard deviation over the folds of every (grid point, rounds) candidate."""
    folds = list(RepeatedStratifiedKFold(n_splits=FOLDS, n_repeats=REPEATS, random_state=CV_SEED).split(x, y))
    grid = list(candidates())
    curves = Parallel(n_jobs=jobs)(
        delayed(fold_curve)(params, x, y, train, held_out) for params in grid for train, held_out in folds
    )
    scored = []
    for index, params in enumerate(grid):
        per_fold = np.vstack(curves[index * len(folds) : (index + 1) * len(folds)])
        for column, rounds in enumerate(checkpoints(params["learning_rate"])):
            scored.append(
                {
                    "params": {**params, "n_estimators": rounds},
                    "cv_accuracy": float(per_fold[:, column].mean()),
                    "cv_std": float(per_fold[:, column].std()),
                }
            )
    return scored


def best(scored: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """Highest mean CV accuracy; among equals, the fewest rounds (the fastest to train)."""
    return max(scored, key=lambda c: (round(c["cv_accuracy"], 12), -c["params"]["n_estimators"]))


def report(scored: Sequence[Mapping[str, Any]], data_file: Path, sha256: str, rows: int) -> dict[str, Any]:
    from xgboost import __version__ as xgboost_version

    chosen = best(scored)
    top = sorted(scored, key=lambda c: -c["cv_accuracy"])[:5]
    return {
        "xgb": {"params": chosen["params"], "cv_accuracy": chosen["cv_accuracy"], "cv_std": chosen["cv_std"]},
        "search": {
            "data": {"file": data_file.name, "sha256": sha256, "rows": rows},
            "cv": f"stratified {FOLDS}-fold repeated {REPEATS} times (seed {CV_SEED}); model seed {MODEL_SEED}, one thread",
            "grid": {
                "learning_rate": {str(rate): f"{ROUND_STEP}..{most} rounds" for rate, most in MAX_ROUNDS.items()},
                **{name: list(values) for name, values in GRID.items()},
            },
            "candidates": len(scored),
            "top5": top,
            "versions": {"xgboost": xgboost_version, "scikit-learn": sklearn.__version__, "numpy": np.__version__},
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="/data/adult.data", help="the training file (never the test file)")
    parser.add_argument("--out", default=str(estimators.TUNED_PARAMS_FILE))
    parser.add_argument("--jobs", type=int, default=2, help="folds fitted in parallel, one thread each")
    options = parser.parse_args()
    raw = dataset.read_table(options.data)
    x, y = features.split_xy(features.clean(raw.frame, drop_missing_rows=estimators.MODELS["xgb"].drops_missing_rows))
    document = report(search(x, y, options.jobs), Path(options.data), raw.sha256, len(x))
    Path(options.out).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    chosen = document["xgb"]
    print(f"xgb: {json.dumps(chosen['params'])} cv_accuracy {chosen['cv_accuracy']:.4f} ± {chosen['cv_std']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
