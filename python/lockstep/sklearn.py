"""A scikit-learn transformer that runs Lockstep's feature pipeline.

Training code changes one line: the ``ColumnTransformer`` (or hand-written pandas
feature code) becomes a :class:`LockstepTransformer`, and the features the model is
trained on are the bytes ``lockstep serve`` computes in production::

    from sklearn.pipeline import make_pipeline
    from sklearn.linear_model import LogisticRegression
    from lockstep.sklearn import LockstepTransformer

    model = make_pipeline(LockstepTransformer(spec=open("spec.toml").read()),
                          LogisticRegression(max_iter=1000))
    model.fit(train_df, train_df["label"])
    model[0].pipeline_.to_json()   # the pipeline.json to serve with the exported model

It works with ``clone``, ``GridSearchCV`` (the spec is a parameter) and
``set_output(transform="pandas")``.
"""

from __future__ import annotations

from typing import Any, Optional, Union

import numpy as np

try:
    from sklearn.base import BaseEstimator, TransformerMixin
    from sklearn.utils.validation import check_is_fitted
except ImportError as err:  # pragma: no cover - only without scikit-learn
    raise ImportError(
        "lockstep.sklearn needs scikit-learn: pip install 'lockstep[sklearn]'"
    ) from err

from ._lockstep import Pipeline

__all__ = ["LockstepTransformer"]


class LockstepTransformer(TransformerMixin, BaseEstimator):
    """Fits a Lockstep pipeline spec in ``fit`` and applies it in ``transform``.

    Parameters
    ----------
    spec:
        The pipeline spec: TOML or JSON text, or a dict (the JSON form). Ignored when
        ``pipeline`` is given.
    pipeline:
        An already fitted :class:`lockstep.Pipeline` (or the JSON ``lockstep fit``
        wrote): ``fit`` then keeps it as it is instead of fitting ``spec``.

    Attributes
    ----------
    pipeline_: lockstep.Pipeline
        The fitted pipeline (``pipeline_.to_json()`` is what ``lockstep serve`` loads).
    feature_names_out_: numpy.ndarray
        The output feature names.
    """

    def __init__(
        self,
        spec: Union[str, dict, None] = None,
        pipeline: Union[Pipeline, str, None] = None,
    ) -> None:
        self.spec = spec
        self.pipeline = pipeline

    def fit(self, X: Any, y: Any = None) -> "LockstepTransformer":
        """Fits the spec on the training table ``X`` (pyarrow, pandas or polars)."""
        if self.pipeline is not None:
            fitted = (
                Pipeline.from_json(self.pipeline)
                if isinstance(self.pipeline, str)
                else self.pipeline
            )
        elif self.spec is None:
            raise ValueError("LockstepTransformer needs a `spec` (or a fitted `pipeline`)")
        else:
            fitted = Pipeline.fit(self.spec, X)
        self.pipeline_ = fitted
        self.feature_names_out_ = np.asarray(fitted.feature_names, dtype=object)
        self.n_features_in_ = len(fitted.input_columns)
        self.feature_names_in_ = np.asarray(fitted.input_columns, dtype=object)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """The features of ``X`` as a float32 array of shape (rows, features)."""
        check_is_fitted(self, "pipeline_")
        return self.pipeline_.transform_numpy(X)

    def get_feature_names_out(self, input_features: Optional[Any] = None) -> np.ndarray:
        """The output feature names (``input_features`` is ignored: the pipeline names them)."""
        check_is_fitted(self, "pipeline_")
        return self.feature_names_out_.copy()

    def __sklearn_tags__(self):  # scikit-learn >= 1.6
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        tags.requires_fit = True
        return tags
