"""Machine coders: models trained on the team's final values, validated like a human coder.

A model is one more coder (``model:NAME``, of kind ``machine``): it learns
from the final values (:mod:`coding.machine.train`), its reliability is
measured per variable and per code as a human coder's is
(:mod:`coding.machine.validate`), it codes the posts no human coded
(:mod:`coding.machine.code`), corpus-wide shares built on its codes are
corrected for its measured errors (:mod:`coding.machine.prevalence`), and
it points to the posts worth coding next (:mod:`coding.machine.sampling`).
A language model behind a chat endpoint is one more kind of machine coder
(:mod:`coding.machine.llm`): not trained, validated the same way;
:func:`code_posts` codes with either kind (:mod:`coding.machine.kinds`).
Its codings live apart from the human codings (``machine_codings``), so they
never reach blind coders, adjudication or human reliability.
"""

from coding.machine.code import CodingRun
from coding.machine.kinds import code_posts
from coding.machine.report import report_lines, validation_frame
from coding.machine.sampling import draw_uncertainty_sample
from coding.machine.store import Model, delete_model, get_model, list_models
from coding.machine.train import TrainingRefused, train_model

__all__ = ["CodingRun", "Model", "TrainingRefused", "code_posts", "delete_model", "draw_uncertainty_sample",
           "get_model", "list_models", "report_lines", "train_model", "validation_frame"]
