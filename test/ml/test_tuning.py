"""ml/tuning/tune.py's pure parts, and the committed tuned_params.json against the script that writes it."""

import itertools
import json

from adult_pipeline.modelling import estimators
from tuning import tune


def candidate(accuracy: float, rounds: int) -> dict:
    return {"params": {"n_estimators": rounds}, "cv_accuracy": accuracy, "cv_std": 0.0}


def test_best_takes_the_highest_cv_accuracy_then_the_fewest_rounds() -> None:
    scored = [candidate(0.870, 100), candidate(0.875, 300), candidate(0.875, 200), candidate(0.874, 50)]
    assert tune.best(scored)["params"]["n_estimators"] == 200


def test_candidates_cover_the_grid_for_each_learning_rate() -> None:
    grid = list(tune.candidates())
    size = len(tune.MAX_ROUNDS)
    for values in tune.GRID.values():
        size *= len(values)
    assert len(grid) == size == len({json.dumps(params, sort_keys=True) for params in grid})
    assert all("n_estimators" not in params for params in grid)


def test_checkpoints_step_up_to_the_most_rounds() -> None:
    for learning_rate, most in tune.MAX_ROUNDS.items():
        rounds = tune.checkpoints(learning_rate)
        assert rounds[0] == tune.ROUND_STEP and rounds[-1] == most
        assert all(b - a == tune.ROUND_STEP for a, b in itertools.pairwise(rounds))


def test_committed_parameters_come_from_the_current_search() -> None:
    document = json.loads(estimators.TUNED_PARAMS_FILE.read_text())
    search = document["search"]
    assert {name: search["grid"][name] for name in tune.GRID} == {name: list(v) for name, v in tune.GRID.items()}
    assert search["candidates"] == sum(len(tune.checkpoints(p["learning_rate"])) for p in tune.candidates())
    assert document["xgb"] == {key: tune.best(search["top5"])[key] for key in ("params", "cv_accuracy", "cv_std")}
