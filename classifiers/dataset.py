"""Loading a recipe's examples per head: deduplicated, with dev texts kept out of train."""

from dataclasses import dataclass, field

from classifiers.normalise import normalise_text, strip_accents
from classifiers.recipes import DataFile, HeadSpec, RecipeError, file_digest, read_examples


@dataclass
class HeadData:
    """Train and dev examples of one head, and what was dropped on the way."""

    train: list[tuple[str, object]]
    dev: list[tuple[str, object]]
    stats: dict = field(default_factory=dict)
    # per train example, the index of the example it was made from (its own for originals):
    # cross-validation keeps a post and its accent-free copy in the same fold
    groups: list[int] = field(default_factory=list)


def _dedupe(examples, seen: set) -> tuple[list, int]:
    """Drop examples whose normalised text is in ``seen`` (updated): the first copy wins."""
    kept, dropped = [], 0
    for text, label in examples:
        key = normalise_text(text)
        if key in seen:
            dropped += 1
            continue
        seen.add(key)
        kept.append((text, label))
    return kept, dropped


def _read_all(files: list[DataFile], cache: dict) -> list:
    """Examples of several files, each file read once per training run."""
    out = []
    for data_file in files:
        key = (data_file.path, tuple(sorted((data_file.labels or {}).items())))
        if key not in cache:
            cache[key] = read_examples(data_file)
        out.extend(cache[key])
    return out


def _check_extra(spec: HeadSpec, extra: list) -> list:
    """Reviewer examples must fit the head: booleans for binary heads, labels otherwise."""
    for number, item in enumerate(extra, start=1):
        if not (isinstance(item, tuple | list) and len(item) == 2 and isinstance(item[0], str)):
            raise RecipeError(f"[heads.{spec.name}] ví dụ bổ sung {number}: cần (văn bản, nhãn).")
        if spec.kind == "binary" and not isinstance(item[1], bool):
            raise RecipeError(
                f"[heads.{spec.name}] ví dụ bổ sung {number}: nhãn phải là true/false."
            )
    return [(text, label) for text, label in extra]


def load_head(spec: HeadSpec, extra: list, cache: dict) -> HeadData:
    """Dev first (deduplicated), then extra examples (reviewers' decisions: their label wins
    over a data file's for the same text), then train, without dev texts or duplicates.

    With ``strip_augment`` a copy of every train post without diacritics is added (when it is
    not already there), so posts typed without accents score like their accented twins. With
    ``review_weight`` = k, each extra example (and its copy) is learnt k times: a commune's
    own decisions count more than the base data they correct. Copies share their original's
    cross-validation group, so they never sit in a fold apart from it."""
    dev_seen: set = set()
    dev, dev_dups = _dedupe(_read_all(spec.dev, cache), dev_seen)
    train_seen = set(dev_seen)
    local, dropped_local = _dedupe(_check_extra(spec, extra), train_seen)
    base, dropped = _dedupe(_read_all(spec.train, cache), train_seen)
    train = local + base
    dropped += dropped_local
    groups = list(range(len(train)))
    if spec.options.get("strip_augment", False):
        for origin, (text, label) in enumerate(list(train)):
            copy = strip_accents(text)
            key = normalise_text(copy)
            if key not in train_seen:
                train_seen.add(key)
                train.append((copy, label))
                groups.append(origin)
    distinct = len(train)
    weight = int(spec.options.get("review_weight", 1))
    if weight > 1 and local:
        for row in [i for i, g in enumerate(groups) if g < len(local)]:
            train += [train[row]] * (weight - 1)
            groups += [groups[row]] * (weight - 1)
    labels = {label for _, label in train}
    if len(labels) < 2:
        raise RecipeError(f"[heads.{spec.name}]: dữ liệu huấn luyện chỉ có một nhãn ({labels}).")
    stats = {
        "train_rows": distinct,
        "review_weight": weight,
        "dev_rows": len(dev),
        "dropped_train_duplicates_or_dev_overlap": dropped,
        "dropped_dev_duplicates": dev_dups,
        "extra_examples": len(extra),
    }
    return HeadData(train, dev, stats, groups)


def data_files(heads: dict[str, HeadSpec], cache: dict) -> list[dict]:
    """Every data file used, with its SHA-256 and row count (for the sidecar)."""
    seen: dict = {}
    for spec in heads.values():
        for data_file in spec.train + spec.dev:
            if data_file.path in seen:
                continue
            rows = next(len(v) for k, v in cache.items() if k[0] == data_file.path)
            seen[data_file.path] = {
                "path": data_file.source,
                "sha256": file_digest(data_file.path),
                "rows": rows,
            }
    return list(seen.values())
