"""The status bar's words about training, from plain values (no session needed)."""

from __future__ import annotations

from core.training.config import TrainingConfig
from gui.session import status_words


def test_a_change_of_optimizer_names_both_titles_and_one_of_values_names_each_value():
    sgd = TrainingConfig()
    adam = sgd.replace(optimizer="adam")
    assert status_words.describe_change(sgd, adam) == "SGD → Adam"
    faster = sgd.with_hyperparameters(lr=0.1)
    assert status_words.describe_change(sgd, faster) == \
        f"lr {sgd.hyperparameters['lr']:g} → 0.1"
    assert status_words.describe_change(sgd, sgd) == "no change"


def test_a_schedule_change_lists_each_changed_part_capitalised():
    old = TrainingConfig()
    new = old.replace(shuffle=True, clip_norm=1.5)
    assert status_words.describe_schedule(old, new) == "Shuffling on, clip norm 1.5"
    assert status_words.describe_schedule(new, old) == "Shuffling off, clip norm off"
    assert status_words.starts_over("Shuffling on") == \
        "Shuffling on: training starts over from the initial weights"


def test_counts_are_worded_in_the_singular_and_the_plural():
    assert status_words.finished(1, 12) == "Finished: 1 epoch, 12 steps"
    assert status_words.all_trained(3) == \
        "All 3 epochs trained: press Reset (R) to start again"


def test_a_fork_names_its_step_and_the_weights_it_moved():
    assert status_words.forked(40).startswith("Forked at step 40: training continues")
    moved = status_words.forked(7, {"a": 0.123456, "b": -2.0})
    assert moved.startswith("Forked at step 7 with a = 0.1235, b = \u22122: training continues")
    assert moved.endswith("Discard fork returns to it)")
    assert "sample 3 next" in status_words.viewing(12, 3)
