"""deploy/k8s, validated offline: every overlay rendered by kustomize, the result checked against the Kubernetes
schemas (kubernetes-validate, strict) and the custom resources against their pinned schemas; the policy every
container follows; and the manifests agreeing with the code they come from (settings, topics, processes)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

from shared.config import Settings, documented_variables
from shared.events.topics import RETENTION_DAYS, TopicNames
from tools.devstack.paths import REPO
from tools.k8s import manifests

KUSTOMIZE = REPO / ".cache" / "bin" / "kustomize"
OVERLAYS = ("dev", "production", "keda")
KUBERNETES_VERSION = "1.33.0"
CUSTOM = yaml.safe_load((REPO / "deploy" / "k8s" / "schemas" / "custom-resources.yaml").read_text())
UPSTREAM = REPO / ".cache" / "crd-schemas"   # KEDA's and the Prometheus operator's own CRD schemas (make setup)
UPSTREAM_KINDS = ("keda.sh/v1alpha1/ScaledObject", "monitoring.coreos.com/v1/PrometheusRule")


def closed(schema):
    """A CRD schema as the API server applies it with strict field validation: an object that lists its
    properties refuses others, unless it preserves unknown fields."""
    if isinstance(schema, dict):
        schema = {k: closed(v) for k, v in schema.items()}
        if "properties" in schema and "additionalProperties" not in schema and \
                not schema.get("x-kubernetes-preserve-unknown-fields"):
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [closed(v) for v in schema]
    return schema


def upstream_schema(key: str) -> dict:
    group, version, kind = key.rsplit("/", 2)[0], key.rsplit("/", 2)[1], key.rsplit("/", 2)[2]
    path = UPSTREAM / f"{group}_{version}_{kind}.json"
    if not path.exists():
        pytest.fail(f"{path} is missing: `make setup` fetches it")
    schema = closed(json.loads(path.read_text()))
    schema["properties"]["metadata"] = {"type": "object"}
    return schema


def render(overlay: str) -> list[dict]:
    if not KUSTOMIZE.exists():
        pytest.fail(f"{KUSTOMIZE} is missing: `make setup` builds it")
    done = subprocess.run([str(KUSTOMIZE), "build", str(REPO / "deploy" / "k8s" / "overlays" / overlay)],
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d]


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[dict]]:
    return {overlay: render(overlay) for overlay in OVERLAYS}


def of_kind(docs: list[dict], kind: str) -> list[dict]:
    return [d for d in docs if d["kind"] == kind]


def settings_of(docs: list[dict]) -> Settings:
    (config_map,) = [d for d in of_kind(docs, "ConfigMap") if d["metadata"]["name"].startswith("motcua-settings")]
    return Settings.from_env(config_map["data"])


def pods(docs: list[dict]) -> list[tuple[str, dict]]:
    return [(f"{d['kind']}/{d['metadata']['name']}", d["spec"]["template"]["spec"])
            for d in docs if d["kind"] in ("Deployment", "StatefulSet", "Job")]


# -- the generated files and the code ------------------------------------------------------------------------------

def test_the_generated_manifests_are_what_the_code_says():
    stale = [str(path.relative_to(REPO)) for path, content in manifests.files().items()
             if not path.exists() or path.read_text(encoding="utf-8") != content]
    assert not stale, f"run `make k8s`: {stale}"


# -- schemas ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_resource_of_the_overlay_is_valid_against_its_schema(rendered, overlay):
    problems, custom_kinds = [], set()
    for doc in rendered[overlay]:
        where = f"{doc['kind']}/{doc['metadata']['name']}"
        key = f"{doc['apiVersion']}/{doc['kind']}"
        if key in CUSTOM["kinds"]:
            custom_kinds.add(doc["kind"])
            schema = {**CUSTOM["kinds"][key], "$defs": CUSTOM["$defs"]}
            problems += [f"{where}: {'/'.join(map(str, e.path))}: {e.message}"
                         for e in jsonschema.Draft202012Validator(schema).iter_errors(doc)]
            if key in UPSTREAM_KINDS:  # and the operator's own schema, closed as the API server would
                problems += [f"{where} (upstream CRD): {'/'.join(map(str, e.path))}: {e.message}"
                             for e in jsonschema.Draft7Validator(upstream_schema(key)).iter_errors(doc)]
            continue
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            problems.append(f"{where}: no schema for {key}")
        except kubernetes_validate.ValidationError as exc:
            problems.append(f"{where}: {'/'.join(map(str, exc.path))}: {exc.message}")
    assert not problems, "\n".join(problems)
    assert {"Kafka", "KafkaNodePool", "KafkaTopic"} <= custom_kinds


def test_the_validation_refuses_a_misplaced_field(rendered):
    """The checks above could fail: an unknown field in a Deployment and in a KafkaTopic are both refused."""
    deployment = dict(of_kind(rendered["dev"], "Deployment")[0])
    deployment["spec"] = {**deployment["spec"], "replica": 2}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)
    topic = of_kind(rendered["dev"], "KafkaTopic")[0]
    bad = {**topic, "spec": {**topic["spec"], "retention": "7d"}}
    schema = {**CUSTOM["kinds"]["kafka.strimzi.io/v1beta2/KafkaTopic"], "$defs": CUSTOM["$defs"]}
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(bad))
    rule = of_kind(rendered["production"], "PrometheusRule")[0]
    bad_rule = {**rule, "spec": {"groups": [{**rule["spec"]["groups"][0], "rule": []}]}}
    assert list(jsonschema.Draft7Validator(upstream_schema("monitoring.coreos.com/v1/PrometheusRule"))
                .iter_errors(bad_rule))


STRIMZI = REPO / ".cache" / "strimzi"   # Strimzi's api jar and our checker (make setup)
STRIMZI_KINDS = ("Kafka", "KafkaNodePool", "KafkaTopic")


def strimzi_check(docs: list[dict]) -> subprocess.CompletedProcess:
    if not (STRIMZI / "classes" / "StrimziCheck.class").exists():
        pytest.fail(f"{STRIMZI} is missing: `make setup` builds it")
    jars = (STRIMZI / "classpath.txt").read_text().strip().split(":")  # relative to .cache/ (build.sh)
    classpath = ":".join([str(STRIMZI / "classes"), *(str(STRIMZI.parent / jar) for jar in jars)])
    return subprocess.run(["java", "-cp", classpath, "StrimziCheck"], input=json.dumps(docs), capture_output=True,
                          text=True, check=False, timeout=120)


def test_strimzi_reads_every_overlays_kafka_resources_with_its_own_model(rendered):
    """Strimzi's model classes (its release's api jar, Maven Central) read the Kafka, node pool and topics of every
    overlay as the operator would: a wrong type or a field the model does not know fails. (The model is lenient
    with enum values; the schema in deploy/k8s/schemas checks those.)"""
    docs = [d for overlay in OVERLAYS for d in rendered[overlay] if d["kind"] in STRIMZI_KINDS]
    done = strimzi_check(docs)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"checked {len(docs)} resource(s), 0 problem(s)" in done.stdout
    (kafka,) = of_kind(rendered["production"], "Kafka")
    misplaced = {**kafka, "spec": {**kafka["spec"], "kafka": {**kafka["spec"]["kafka"], "listener": []}}}
    topic = of_kind(rendered["production"], "KafkaTopic")[0]
    mistyped = {**topic, "spec": {**topic["spec"], "partitions": "twelve"}}
    done = strimzi_check([misplaced, mistyped])
    assert done.returncode == 1 and "unknown field(s) [listener]" in done.stdout and '"twelve"' in done.stdout


# -- policy ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_has_probes_limits_and_a_locked_down_security_context(rendered, overlay):
    problems = []
    for where, spec in pods(rendered[overlay]):
        is_job = where.startswith("Job/")
        if spec.get("automountServiceAccountToken") is not False:
            problems.append(f"{where}: mounts a service account token")
        pod_security = spec.get("securityContext", {})
        if pod_security.get("runAsNonRoot") is not True or pod_security.get("seccompProfile") != {
                "type": "RuntimeDefault"}:
            problems.append(f"{where}: pod securityContext must run as non-root with the RuntimeDefault seccomp")
        for container in spec.get("initContainers", []) + spec["containers"]:
            name = f"{where}/{container['name']}"
            is_main = container in spec["containers"] and not is_job
            if is_main and not all(container.get(p) for p in ("livenessProbe", "readinessProbe")):
                problems.append(f"{name}: liveness and readiness probes")
            limits = container.get("resources", {}).get("limits", {})
            requests = container.get("resources", {}).get("requests", {})
            if "memory" not in limits or "cpu" not in requests or "memory" not in requests:
                problems.append(f"{name}: requests (cpu, memory) and a memory limit")
            security = container.get("securityContext", {})
            expected = {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "runAsNonRoot": True,
                        "privileged": False}
            if any(security.get(k) != v for k, v in expected.items()) or \
                    security.get("capabilities", {}).get("drop") != ["ALL"]:
                problems.append(f"{name}: securityContext {security}")
            for env in container.get("env", []):
                if env["name"] in manifests.SECRETS and "value" in env:
                    problems.append(f"{name}: {env['name']} given as a value, not a secretKeyRef")
    assert not problems, "\n".join(problems)


def test_the_apis_probe_healthz_and_readyz_and_the_rest_their_metrics_listener(rendered):
    for deployment in of_kind(rendered["production"], "Deployment"):
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        paths = (container["livenessProbe"]["httpGet"]["path"], container["readinessProbe"]["httpGet"]["path"])
        expected = ("/healthz", "/readyz") if container["name"] == "api" else ("/metrics", "/metrics")
        assert paths == expected, deployment["metadata"]["name"]


# -- agreement with the code ----------------------------------------------------------------------------------------

def test_every_process_of_every_service_is_deployed(rendered):
    names = {d["metadata"]["name"] for d in of_kind(rendered["production"], "Deployment")}
    for service, process in manifests.processes():
        name = service if process == "api" else f"{service}-{process}"
        assert name in names
        (deployment,) = [d for d in of_kind(rendered["production"], "Deployment") if d["metadata"]["name"] == name]
        assert deployment["spec"]["template"]["spec"]["containers"][0]["args"] == [service, process]
    apis = {d["spec"]["scaleTargetRef"]["name"] for d in of_kind(rendered["production"], "HorizontalPodAutoscaler")}
    assert apis == {s for s, p in manifests.processes() if p == "api"}
    assert {d["spec"]["scaleTargetRef"]["name"] for d in of_kind(rendered["keda"], "ScaledObject")} == \
        {f"{s}-consumer" for s, p in manifests.processes() if p == "consumer"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_settings_config_map_carries_every_setting_but_secrets(rendered, overlay):
    (config_map,) = [d for d in of_kind(rendered[overlay], "ConfigMap")
                     if d["metadata"]["name"].startswith("motcua-settings")]
    referenced = {env["name"] for _, spec in pods(rendered[overlay]) for c in spec["containers"]
                  for env in c.get("env", []) if "valueFrom" in env}
    for variable, _default, _help in documented_variables():
        if variable in manifests.TEST_ONLY:
            assert variable not in config_map["data"]
        elif variable in manifests.SECRETS:
            assert variable not in config_map["data"] and variable in referenced, variable
        else:
            assert variable in config_map["data"], f"{variable} is neither in the ConfigMap nor a secret"
    Settings.from_env(config_map["data"])  # every value parses


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_kafka_topics_are_the_registry_with_the_settings_partitions_and_replicas(rendered, overlay):
    docs = rendered[overlay]
    settings = settings_of(docs)
    names = TopicNames(settings.kafka_topic_prefix)
    topics = {t["spec"]["topicName"]: t for t in of_kind(docs, "KafkaTopic")}
    assert sorted(topics) == sorted(names.all()), "KafkaTopic CRs and shared/events/topics.py disagree"
    (kafka,) = of_kind(docs, "Kafka")
    (pool,) = of_kind(docs, "KafkaNodePool")
    min_isr = int(kafka["spec"]["kafka"]["config"]["min.insync.replicas"])
    for name, topic in topics.items():
        spec = topic["spec"]
        assert spec["partitions"] == settings.kafka_topic_partitions, name
        assert spec["replicas"] == settings.kafka_replication_factor <= pool["spec"]["replicas"], name
        assert int(spec["config"]["min.insync.replicas"]) == min_isr < spec["replicas"] or spec["replicas"] == 1
        assert int(spec["config"]["retention.ms"]) == RETENTION_DAYS[names.kind(name)] * 86_400_000
    assert kafka["metadata"]["annotations"]["strimzi.io/kraft"] == "enabled"
    assert set(pool["spec"]["roles"]) == {"controller", "broker"}
    if overlay != "dev":
        assert pool["spec"]["replicas"] == 3 and min_isr == 2 and settings.kafka_replication_factor == 3


def test_each_service_reaches_kafka_and_the_database_but_no_other_service(rendered):
    policies = {p["metadata"]["name"]: p for p in of_kind(rendered["production"], "NetworkPolicy")}
    for service in (*manifests.SERVICES, manifests.PORTAL):
        egress = policies[f"motcua-{service}"]["spec"]["egress"]
        peers = [peer.get("podSelector", {}).get("matchLabels", {}) for rule in egress for peer in rule["to"]]
        others = [p for p in peers if p.get("app.kubernetes.io/part-of") == "motcua"
                  and p.get("app.kubernetes.io/name") != service]
        if service == manifests.PORTAL:
            assert {p["app.kubernetes.io/name"] for p in others} == set(manifests.SERVICES)
            assert all(p["app.kubernetes.io/component"] == "api" for p in others)
        else:
            assert not others, f"{service} may reach {others}"
            assert {"strimzi.io/cluster": "motcua", "strimzi.io/kind": "Kafka"} in peers
            assert {"app.kubernetes.io/name": "mongodb"} in peers
    default = policies["motcua-default-deny"]["spec"]
    assert default["policyTypes"] == ["Ingress", "Egress"] and "ingress" not in default and "egress" not in default


def test_the_alerts_and_the_dashboard_name_metrics_the_code_exports():
    source = (REPO / "shared" / "observability" / "metrics.py").read_text()
    exported = set(re.findall(r'"(motcua_[a-z_]+)"', source))
    texts = {"prometheus-rules.yaml": (REPO / "deploy/k8s/monitoring/prometheus-rules.yaml").read_text(),
             "motcua-dashboard.json": (REPO / "deploy/k8s/monitoring/motcua-dashboard.json").read_text()}
    for name, text in texts.items():
        used = {re.sub(r"_(total|bucket|count|sum|created)$", "", m) for m in re.findall(r"\bmotcua_[a-z_]+", text)}
        unknown = sorted(u for u in used if u not in exported)
        assert not unknown, f"{name} uses metrics nobody exports: {unknown}"
    alerts = [r["alert"] for g in yaml.safe_load(texts["prometheus-rules.yaml"])["spec"]["groups"] for r in g["rules"]]
    for needed in ("OutboxBacklogGrowing", "ConsumerLagHigh", "DeadLetterQueueNotEmpty",
                   "NotificationFailureRateHigh", "LateDossiersRising", "CertificateExpiresSoon"):
        assert needed in alerts


def test_the_deploy_readme_exists_and_every_overlay_is_named_in_it():
    text = Path(REPO / "deploy" / "README.md").read_text()
    for overlay in OVERLAYS:
        assert f"overlays/{overlay}" in text
