"""The OpenAPI document describes every route the knowledge service serves, and only those."""

import yaml

from knowledge.service import SPEC_PATH, create_app
from knowledge.settings import KnowledgeSettings


def test_every_route_is_documented() -> None:
    spec = yaml.safe_load(SPEC_PATH.read_text())
    app = create_app(KnowledgeSettings(database_url="sqlite://"))
    served = set()
    for route in app.router.routes():
        if route.method == "HEAD":
            continue
        path = route.resource.canonical.replace("{doc_id}", "{id}")
        served.add((path, route.method.lower()))
    documented = {(path, method) for path, item in spec["paths"].items() for method in item if method != "parameters"}
    assert served == documented
