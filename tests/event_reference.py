"""A plain-numpy reference for the event features, written from the formulas in the feature catalog (not
from the SQL), to check int_student_event_features on the same events."""

from __future__ import annotations

import math

import numpy as np


def reference_features(student: np.ndarray, term: np.ndarray, day_number: np.ndarray, amount: np.ndarray,
                       activity: np.ndarray | None, period_start: dict | float | None = None,
                       period_weeks: int | None = None, early_weeks: int | None = 4,
                       types_max: int = 5) -> dict[tuple[str, str], dict[str, float]]:
    """Features per (student, term) of usable events given as parallel arrays. `day_number` is the time in
    days (days since 1970 for timestamps, the offset for day offsets); `period_start` a day number, one per
    term (dict), or None for the floor of each term's first event."""
    student = np.asarray(student).astype(str)
    term = np.asarray(term).astype(str)
    day_number = np.asarray(day_number, dtype=float)
    amount = np.asarray(amount, dtype=float)

    starts, weeks_of_term = {}, {}
    for value in np.unique(term):
        rows = term == value
        start = period_start.get(value) if isinstance(period_start, dict) else period_start
        starts[value] = math.floor(day_number[rows].min()) if start is None else start
        last_week = math.floor((day_number[rows].max() - starts[value]) / 7)
        weeks_of_term[value] = period_weeks if period_weeks else last_week + 1
    since = day_number - np.array([starts[t] for t in term])
    day = np.floor(since).astype(np.int64)
    week = day // 7

    share_types = []
    if activity is not None:
        activity = np.asarray(activity).astype(str)
        names, inverse = np.unique(activity, return_inverse=True)
        totals = np.bincount(inverse, amount)
        counts = np.bincount(inverse)
        order = sorted(range(len(names)), key=lambda i: (-totals[i], -counts[i], names[i]))
        share_types = [names[i] for i in order[:types_max]]

    keys, key = np.unique(np.char.add(np.char.add(student, "\x1f"), term), return_inverse=True)
    n = len(keys)
    total = np.bincount(key, amount, n)
    events = np.bincount(key, minlength=n)
    first = np.full(n, np.inf)
    np.minimum.at(first, key, since)

    def distinct_count(values, mask=None):
        mask = np.ones(key.size, bool) if mask is None else mask
        pairs = np.unique(np.stack([key[mask], values[mask]]), axis=1)
        return np.bincount(pairs[0], minlength=n)

    active_days = distinct_count(day)
    active_weeks = distinct_count(week)
    week_pairs, week_of_pair = np.unique(np.stack([key, week]), axis=1, return_inverse=True)
    week_amount = np.bincount(week_of_pair.reshape(-1), amount)
    x_log_x = np.where(week_amount > 0, week_amount * np.log(np.where(week_amount > 0, week_amount, 1)), 0.0)
    sum_x_log_x = np.bincount(week_pairs[0], x_log_x, n)
    cos_sum = np.bincount(key, amount * np.cos(2 * np.pi * day / 7), n)
    sin_sum = np.bincount(key, amount * np.sin(2 * np.pi * day / 7), n)

    result = {}
    for index, joined in enumerate(keys):
        student_id, term_value = joined.split("\x1f")
        weeks = weeks_of_term[term_value]
        t = total[index]
        features = {
            "events": float(events[index]),
            "event_no_recorded_activity": 0.0,
            "event_total_amount": t,
            "event_active_days": float(active_days[index]),
            "event_active_week_share": active_weeks[index] / weeks,
            "event_week_regularity": ((math.log(t) - sum_x_log_x[index] / t) / math.log(weeks)
                                      if t > 0 and weeks > 1 else 0.0),
            "event_weekday_periodicity": math.hypot(cos_sum[index], sin_sum[index]) / t if t > 0 else 0.0,
            "event_days_to_first": first[index],
        }
        result[(student_id, term_value)] = features
    if early_weeks:
        early = week < early_weeks
        early_amount = np.bincount(key, amount * early, n)
        early_days = distinct_count(day, early)
        for index, joined in enumerate(keys):
            features = result[tuple(joined.split("\x1f"))]
            features["event_early_amount"] = early_amount[index]
            features["event_early_active_days"] = float(early_days[index])
    for activity_type in share_types:
        type_total = np.bincount(key, amount * (activity == activity_type), n)
        for index, joined in enumerate(keys):
            features = result[tuple(joined.split("\x1f"))]
            features[f"event_share_{activity_type}"] = type_total[index] / total[index] if total[index] > 0 else 0.0
    return result
