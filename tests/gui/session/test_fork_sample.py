"""After Resume from here, the graph shows the sample the next step trains."""

from __future__ import annotations

from core.training.config import TrainingConfig


def test_a_fork_shows_the_next_sample_it_will_train(session):
    training = session.training
    training.set_config(TrainingConfig(shuffle=True, seed=3))
    training.run_steps(300)
    past = training.rebuild(107)
    next_sample = past.cursor.sample
    assert next_sample != 0 and next_sample != training.trainer.cursor.sample
    training.view_step(107)
    training.resume_from(107)
    assert training.trainer.cursor.step == 107
    assert training.trainer.cursor.sample == next_sample
    assert training.shown_sample == next_sample
    snapshot = training.snapshot()
    assert snapshot.sample == next_sample
    x, _ = training.dataset.row(next_sample)
    features = snapshot.trace.graph.features
    assert [snapshot.trace.values[n] for n in features] == list(x)
    # The step it trains is that sample.
    result = training.step_sample()
    assert result is not None and result.cursor.sample == next_sample


def test_discarding_the_fork_shows_the_originals_next_sample(session):
    training = session.training
    training.set_config(TrainingConfig(shuffle=True, seed=3))
    training.run_steps(300)
    original_next = training.trainer.cursor.sample
    training.resume_from(107)
    training.discard_fork()
    assert training.trainer.cursor.step == 300
    assert training.shown_sample == original_next == training.snapshot().sample
