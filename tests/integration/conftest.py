"""Real services on free loopback ports for the integration tests.

- `start_orders`, `start_recommender`, `generate_shop`: factories for one service (or one generated
  shop) of a test module's own, so that tests that change orders never share a database by accident.
- `models_url`: the models service with the shipped offline config and Redis.
- `assistant`: the whole assistant: orders, recommender and knowledge services, the action server, and
  the real Rasa server with the trained model. Started once per test session for the tests that ask for it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from borderless.profile import Shop, load_shop, var_root
from tests.knowledge_samples import write_sample
from tests.support import (
    PUBLIC_CHANNELS,
    REPO_ROOT,
    WidgetSessions,
    free_port,
    python_module,
    rasa_env,
    rasa_server,
    service_process,
)

DEMO_SHOP = load_shop("lumen-goods")
DEMO_DATA = DEMO_SHOP.data_dir
TRAINED = REPO_ROOT / "trained"
# Build outputs whole-stack tests and benchmarks share across stacks and runs (keyed by their inputs).
STACK_CACHE = var_root() / "cache" / "test_stacks"
# How long a verified order stands in the assistant's action server: short, so that the security tests can
# wait it out (tests/security/test_ownership_proof.py), long enough for a question and its "yes".
ASSISTANT_PROOF_TTL_S = 20


@dataclass
class Assistant:
    """The running assistant. `say(name, text)` talks as the test shopper `name` through the signed widget
    channel (each name gets its own server-signed conversation); `tracker(name)` reads that conversation
    through Rasa's HTTP API with the API token; `conversation_id(name)` is its real id."""

    rasa_url: str
    actions_url: str
    orders_url: str
    knowledge_url: str
    recommender_url: str
    models_url: str
    workdir: Path
    widget: WidgetSessions
    shop: Shop = DEMO_SHOP

    def say(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> list[dict]:
        return self.widget.say(sender, text, metadata)

    def tracker(self, sender: str) -> dict:
        return self.widget.tracker(sender)

    def conversation_id(self, sender: str) -> str:
        return self.widget.conversation_id(sender)


def _run(args: list[str], env: dict[str, str]) -> str:
    """Runs a command to completion in the repo; returns its stdout, or fails with the tail of its output."""
    # Generous: the knowledge bootstrap (e5 embeddings of every document) took over 10 minutes on a loaded 2-core box.
    done = subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return done.stdout


@dataclass
class StackFiles:
    """What `prepare_stack` laid out in a work folder for one whole assistant on free loopback ports."""

    ports: dict[str, int]
    urls: dict[str, str]
    env: dict[str, str]
    endpoints: Path
    credentials: Path


def prepare_stack(work: Path, admin_token: str = "e2e-admin-token", shop: Shop = DEMO_SHOP) -> StackFiles:
    """Ports, environment, the shop's data, bootstrapped databases and Rasa's endpoints/credentials for the
    whole assistant serving `shop` (the assistant fixtures and benchmarks/load.py start the same stack)."""
    ports = {name: free_port() for name in ("rasa", "actions", "orders", "knowledge", "recommender", "models")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    env = {
        **os.environ,
        "BORDERLESS_VAR": str(work / "var"),
        "BORDERLESS_SHOP": str(shop.root),
        "HF_HUB_OFFLINE": "1",
        "ORDERS_NOW": "demo",
        "ORDERS_PORT": str(ports["orders"]),
        "ORDERS_DATABASE_URL": f"sqlite:///{work / 'orders.db'}",
        "KNOWLEDGE_PORT": str(ports["knowledge"]),
        "KNOWLEDGE_ADMIN_TOKEN": admin_token,
        # The shop's calibration is reported, not served, by default (KNOWLEDGE_USE_CALIBRATION); fitting it
        # costs minutes on 2 cores, so whole-stack tests and benchmarks skip it (test_knowledge_answers covers it).
        "KNOWLEDGE_AUTO_CALIBRATE": "0",
        # Every stack's index is built from nothing: passages some earlier stack on this machine embedded are not
        # embedded again (e5 over the demo shop's 587 passages takes 2–3 minutes on 2 cores).
        "KNOWLEDGE_VECTOR_CACHE": str(STACK_CACHE / "passage_vectors"),
        "RECOMMENDER_PORT": str(ports["recommender"]),
        "MODELS_PORT": str(ports["models"]),
        "MODELS_URL": urls["models"],
        "ORDERS_URL": urls["orders"],
        "KNOWLEDGE_URL": urls["knowledge"],
        "RECOMMENDER_URL": urls["recommender"],
        "ACTIONS_PORT": str(ports["actions"]),
        "PROOF_TTL_S": str(ASSISTANT_PROOF_TTL_S),
        **rasa_env(),
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    # The services read the shop's data from their own var dir, as `make run` lays it out.
    (work / "var").mkdir(parents=True)
    shutil.copytree(shop.data_dir, work / "var" / shop.data_dir.relative_to(var_root()))
    _run(python_module("backends.orders", "bootstrap"), env)
    _bootstrap_recommender(env, work / "var", shop)
    _run(python_module("knowledge", "bootstrap"), env)
    endpoints = work / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "{urls["actions"]}/webhook"\n')
    credentials = work / "credentials.yml"
    credentials.write_text(PUBLIC_CHANNELS)
    return StackFiles(ports, urls, env, endpoints, credentials)


def _bootstrap_recommender(env: dict[str, str], var: Path, shop: Shop) -> None:
    """The recommender's trained artefacts in `var`: trained once per shop data and recommender code (about 40 s on
    2 cores), then copied into every stack that serves the same data."""
    inputs = [shop.data_dir / "manifest.json", *sorted((REPO_ROOT / "backends" / "recommender").glob("*.py"))]
    inputs += sorted(p for p in Path(shop.rules_dir).rglob("*") if p.is_file())
    key = hashlib.sha256(b"".join(hashlib.sha256(p.read_bytes()).digest() for p in inputs)).hexdigest()[:16]
    cached = STACK_CACHE / "recommender" / f"{shop.id}-{key}"
    target = var / "recommender"
    if (cached / "meta.json").exists():
        shutil.copytree(cached, target)
        return
    _run(python_module("backends.recommender", "bootstrap"), env)
    staging = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(target, staging)
    try:
        staging.rename(cached)
    except OSError:  # another run stored the same artefacts first
        shutil.rmtree(staging, ignore_errors=True)


def shop_model(shop: Shop) -> Path:
    """The shop's trained model (scripts/train_if_changed.sh: trained/<id>/borderless.tar.gz)."""
    model = TRAINED / shop.id / "borderless.tar.gz"
    if not model.exists():
        pytest.fail(f"no trained Rasa model for {shop.id}: run `make train SHOP={shop.root}` (make test does it)")
    if not (shop.data_dir / "manifest.json").exists():
        pytest.fail(f"no data for {shop.id} in {shop.data_dir}: run `make data SHOP={shop.root}` (make test does it)")
    return model


@contextmanager
def running_assistant(work: Path, shop: Shop) -> Iterator[Assistant]:
    """The whole assistant serving `shop` on free loopback ports until the block ends."""
    model = shop_model(shop)
    files = prepare_stack(work, shop=shop)
    ports, urls, env, endpoints, credentials = files.ports, files.urls, files.env, files.endpoints, files.credentials
    logs = work / "logs"
    logs.mkdir()
    with ExitStack() as stack:
        for name, module in (
            ("orders", "backends.orders"),
            ("recommender", "backends.recommender"),
            ("knowledge", "knowledge"),
            ("models", "models"),
        ):
            stack.enter_context(
                service_process(
                    python_module(module, "serve"),
                    f"{urls[name]}/health",
                    env=env,
                    deadline_s=180,
                    log_path=logs / f"{name}.log",
                )
            )
        stack.enter_context(
            service_process(
                python_module("actions"),
                f"{urls['actions']}/health",
                env=env,
                log_path=logs / "actions.log",
            )
        )
        stack.enter_context(
            rasa_server(
                model, ports["rasa"], endpoints, credentials, env=env, deadline_s=240, log_path=logs / "rasa.log"
            )
        )
        yield Assistant(
            urls["rasa"],
            urls["actions"],
            urls["orders"],
            urls["knowledge"],
            urls["recommender"],
            urls["models"],
            work,
            WidgetSessions(urls["rasa"]),
            shop,
        )


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """The whole assistant serving the demo shop, once per test session."""
    with running_assistant(tmp_path_factory.mktemp("assistant"), DEMO_SHOP) as running:
        yield running


# ---------- orders service ----------

ORDERS_EXAMPLES = REPO_ROOT / "backends" / "orders" / "examples"
ORDERS_NOW = "2026-03-15T12:00:00Z"  # the clock the example orders are written against
ORDERS_TOKEN_SECRET = "test-secret-0123456789abcdef-0123456789"


def orders_env(var: Path, port: int, **settings: str) -> dict[str, str]:
    """An orders service's settings: its own var dir and SQLite file under `var`, the examples' clock."""
    return {
        "BORDERLESS_VAR": str(var),
        "ORDERS_PORT": str(port),
        "ORDERS_DATABASE_URL": f"sqlite:///{var / 'orders.db'}",
        "ORDERS_NOW": ORDERS_NOW,
        "ORDERS_TOKEN_SECRET": ORDERS_TOKEN_SECRET,
        **settings,
    }


@dataclass
class OrdersService:
    url: str
    env: dict[str, str]  # the whole environment of the process, for running its CLI
    imported: str  # what the last `import` printed

    def cli(self, *args: str) -> str:
        """`python -m backends.orders ARGS` on this service's database and secret; returns its stdout."""
        return _run(python_module("backends.orders", *args), self.env)


StartOrders = Callable[..., AbstractContextManager[OrdersService]]


@pytest.fixture(scope="session")
def start_orders(tmp_path_factory: pytest.TempPathFactory) -> StartOrders:
    """`with start_orders(name, data=[folder, ...], **settings) as orders:` imports each folder in turn into a
    database of its own, serves it on a free port until the block ends. Settings override `orders_env`;
    failed attempts are allowed generously (tests try wrong proofs on purpose) unless set otherwise."""

    @contextmanager
    def start(
        name: str = "orders", *, data: Sequence[Path] = (ORDERS_EXAMPLES / "jsonl",), **settings: str
    ) -> Iterator[OrdersService]:
        var = tmp_path_factory.mktemp(name)
        port = free_port()
        env = orders_env(var, port, **{"ORDERS_RATE_LIMIT_ATTEMPTS": "1000", **settings})
        full = {**os.environ, **env}
        imported = ""
        for folder in data:
            imported = _run(python_module("backends.orders", "import", "--from", str(folder)), full)
        url = f"http://127.0.0.1:{port}"
        with service_process(
            python_module("backends.orders", "serve"), f"{url}/health", env=env, log_path=var / "serve.log"
        ):
            yield OrdersService(url, full, imported)

    return start


# ---------- recommender service and generated shops ----------


GenerateShop = Callable[..., Path]


@pytest.fixture(scope="session")
def generate_shop(tmp_path_factory: pytest.TempPathFactory) -> GenerateShop:
    """`generate_shop(name, products=, customers=, orders=)`: a small generated demo shop folder."""

    def generate(name: str, *, products: int, customers: int, orders: int) -> Path:
        shop = tmp_path_factory.mktemp(name) / "shop"
        _run(
            python_module(
                "backends.demo_shop.generate", "--out", str(shop), "--products", str(products),
                "--customers", str(customers), "--orders", str(orders), "--quiet",
            ),
            dict(os.environ),
        )  # fmt: skip
        return shop

    return generate


@dataclass
class RecommenderService:
    url: str
    env: dict[str, str]  # the whole environment of the process, for running its CLI
    var: Path  # its var dir; the trained artefacts are in var / "recommender"
    trained: str  # what `train` printed


StartRecommender = Callable[..., AbstractContextManager[RecommenderService]]


@pytest.fixture(scope="session")
def start_recommender(tmp_path_factory: pytest.TempPathFactory) -> StartRecommender:
    """`with start_recommender(shop, name, **settings) as rec:` trains on the shop folder (TF-IDF embeddings,
    so no torch, and few factors and iterations unless set otherwise), serves on a free port until the
    block ends."""

    @contextmanager
    def start(shop: Path, name: str = "rec", **settings: str) -> Iterator[RecommenderService]:
        var = tmp_path_factory.mktemp(name)
        port = free_port()
        env = {
            "BORDERLESS_VAR": str(var),
            "RECOMMENDER_DATA_DIR": str(shop),
            "RECOMMENDER_PORT": str(port),
            "RECOMMENDER_FACTORS": "8",
            "RECOMMENDER_ITERATIONS": "4",
            "RECOMMENDER_EMBEDDER": "tfidf",
            "HF_HUB_OFFLINE": "1",
            **settings,
        }
        full = {**os.environ, **env}
        trained = _run(python_module("backends.recommender", "train"), full)
        url = f"http://127.0.0.1:{port}"
        with service_process(
            python_module("backends.recommender", "serve"), f"{url}/health", env=env, log_path=var / "serve.log",
            deadline_s=120,
        ):  # fmt: skip
            yield RecommenderService(url, full, var, trained)

    return start


# ---------- models service ----------

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="module")
def models_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The models service (`python -m models serve`, shipped offline config, Redis cache) for one module."""
    port = free_port()
    log = tmp_path_factory.mktemp("models") / "models.log"
    env = {"MODELS_PORT": str(port), "REDIS_URL": REDIS_URL, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    with service_process(
        python_module("models", "serve"), f"http://127.0.0.1:{port}/health", env=env, deadline_s=120, log_path=log
    ):
        yield f"http://127.0.0.1:{port}"


# ---------- knowledge service ----------

KNOWLEDGE_TOKEN = "test-admin-token"


def kb_env(root: Path, port: int, **extra: str) -> dict[str, str]:
    """A knowledge service's environment: its own var/ folder and SQLite database, e5, no Redis."""
    env = {
        "BORDERLESS_VAR": str(root / "var"),
        "KNOWLEDGE_EMBEDDER": "e5",
        "KNOWLEDGE_ADMIN_TOKEN": KNOWLEDGE_TOKEN,
        "KNOWLEDGE_PORT": str(port),
        "KNOWLEDGE_WATCH_INTERVAL": "0.2",
        "KNOWLEDGE_DATABASE_URL": f"sqlite:///{root / 'var' / 'knowledge.db'}",
        "REDIS_URL": "",
        "HF_HUB_OFFLINE": "1",
        # Thresholds stay those of knowledge/answer_thresholds.json unless a test turns calibration on.
        "KNOWLEDGE_AUTO_CALIBRATE": "0",
        # Every stack's index is built from nothing: passages some earlier stack on this machine embedded are not
        # embedded again (e5 over the demo shop's 587 passages takes 2–3 minutes on 2 cores).
        "KNOWLEDGE_VECTOR_CACHE": str(STACK_CACHE / "passage_vectors"),
    }
    env.update(extra)
    return env


def knowledge_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m knowledge ARGS` in that environment; the caller checks the outcome."""
    return subprocess.run(
        python_module("knowledge", *args),
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO_ROOT,
    )


@contextmanager
def sample_knowledge_service(root: Path, **extra_env: str) -> Iterator[dict[str, Any]]:
    """The knowledge service over tests.knowledge_samples (written under `root`), bootstrapped and serving on a free
    port until the block ends: {"base", "env", "root", "content", "catalog"}. `extra_env` adds to its environment."""
    content, catalog = write_sample(root / "sample")
    port = free_port()
    env = kb_env(root, port, **extra_env)
    boot = knowledge_cli(env, "bootstrap", "--content", str(content), "--products", str(catalog))
    assert boot.returncode == 0, boot.stderr
    base = f"http://127.0.0.1:{port}"
    with service_process(python_module("knowledge", "serve"), f"{base}/health", env=env, log_path=root / "service.log"):
        yield {"base": base, "env": env, "root": root, "content": content, "catalog": catalog}
