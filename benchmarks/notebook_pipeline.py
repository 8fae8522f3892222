"""The persona notebook's pipeline as a plain pandas + scikit-learn script: the baseline the warehouse is
measured against. It follows the notebook's steps and choices as written (full N x N cosine matrices, built
twice; silhouettes on all pairs; a Python loop over students for the context indicator), so its time and
memory grow with N squared. Not part of the product.

    .venv/bin/python benchmarks/notebook_pipeline.py students.csv
"""

from __future__ import annotations

import resource
import sys
import time
import warnings
from math import sqrt

import numpy as np
import pandas as pd
from pandas.api.types import is_numeric_dtype
from scipy.cluster.vq import kmeans2
from scipy.stats import pearsonr, spearmanr
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import NMF
from sklearn.metrics import silhouette_score
from sklearn.metrics.pairwise import cosine_similarity
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder

ID, TARGET = "Student_ID", "Dropout_Risk"
PROTECTED = ["Gender", "Ethnicity", "Socioeconomic_Status", "Parental_Education_Level", "Disability_Status"]


def wilson(pos, n, z=1.96):
    p = pos / n
    denominator = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denominator
    half = z * sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denominator
    return p, max(0.0, centre - half), min(1.0, centre + half)


def run(path: str) -> dict:
    np.random.seed(42)
    warnings.filterwarnings("ignore")
    df = pd.read_csv(path)
    # Tripwire and bivariate checks.
    _ = df.duplicated().sum(), df.nunique()
    for x in ["Attendance_Rate", "Credits_Completed", "Study_Hours_per_Week", "Online_Learning_Hours"]:
        pearsonr(df[x], df["GPA"]), spearmanr(df[x], df["GPA"])
    # Preprocessing.
    X = df[[c for c in df.columns if c not in {ID, TARGET, *PROTECTED}]]
    numeric = [c for c in X.columns if is_numeric_dtype(X[c])]
    categorical = [c for c in X.columns if c not in numeric]
    prep = ColumnTransformer([("num", MinMaxScaler(), numeric),
                              ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical)])
    x = prep.fit_transform(X)
    # NMF rank sweep, best by minimum training error.
    errors, models = [], {}
    for r in range(2, 13):
        nmf = NMF(n_components=r, init="nndsvda", random_state=42, max_iter=800)
        w = nmf.fit_transform(x)
        errors.append(nmf.reconstruction_err_ / x.shape[0])
        models[r] = w
    W = models[int(range(2, 13)[int(np.argmin(errors))])]
    # kmeans2 sweep with 10 restarts, silhouette on all points.
    labels_by_k, silhouettes = {}, []
    for k in range(2, 11):
        best_sse, best_labels = np.inf, None
        for _ in range(10):
            centroids, labels = kmeans2(W, k, minit="points", iter=100)
            sse = float(((W - centroids[labels]) ** 2).sum())
            if sse < best_sse:
                best_sse, best_labels = sse, labels
        labels_by_k[k] = best_labels
        silhouettes.append(silhouette_score(W, best_labels))
    labels = labels_by_k[int(range(2, 11)[int(np.argmax(silhouettes))])]
    # Profiles and post-hoc contingency.
    df.assign(_cluster=labels).groupby("_cluster")[numeric].agg(["mean", "median"])
    pd.crosstab(labels, df[TARGET])
    # "Students like me": the full cosine matrix.
    S = cosine_similarity(W)
    for i in [10, 250, 777]:
        sims = S[i].copy()
        sims[i] = -1
        np.argsort(sims)[::-1][:5]
    # Context indicator: the matrix again, then a loop over every student.
    S = cosine_similarity(W)
    y = df[TARGET].to_numpy().astype(int)
    stats = {c: wilson(int(y[labels == c].sum()), int((labels == c).sum())) for c in np.unique(labels)}
    global_rate, _, _ = wilson(int(y.sum()), len(y))
    tiers = []
    for i in range(len(df)):
        sims = S[i].copy()
        sims[i] = -1.0
        neighbours = np.argsort(sims)[::-1][:50]
        positives = int(y[neighbours].sum())
        smoothed = (positives + global_rate * 50) / (50 + 50)
        combined = (0.5 * stats[labels[i]][0] + 0.5 * smoothed) * 100
        tiers.append("RED" if combined >= 3.6 else "AMBER" if combined >= 1.0 else "GREEN")
    return {"rank": int(range(2, 13)[int(np.argmin(errors))]), "k": len(np.unique(labels)),
            "tiers": pd.Series(tiers).value_counts().to_dict()}


if __name__ == "__main__":
    started = time.perf_counter()
    outcome = run(sys.argv[1])
    print(f"notebook pipeline: {time.perf_counter() - started:.1f} s, peak "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB, {outcome}")
