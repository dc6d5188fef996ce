"""The Kubernetes manifests (deploy/kubernetes/), checked as far as a machine without a cluster or
a container engine can (docs/install-kubernetes.md, "How it is checked"):

- base and every overlay compose with Debian 12's kubectl 1.20 (`kubectl kustomize`, kustomize
  v2.0.3 inside), the examples as they are;
- every object validates against Kubernetes' OpenAPI schemas and the Prometheus Operator's CRD
  schemas, unknown fields rejected (tests/kubernetes/validate.mjs; a copy with `readinesProbe`
  must fail);
- what a schema cannot see: selectors against labels, volumeMounts against volumes, probe ports
  against container ports, the ServiceMonitor against the Service, the security settings the
  issue asks for, the GPU overlay, the user and group shared by the Dockerfile, the DaemonSet and
  the app examples; each check is also shown failing on a broken copy;
- the PrometheusRule's groups pass `promtool check rules` and are the shipped rules
  (config/rules/*.yml, which the image installs and the ConfigMap's config loads; their
  `promtool test rules` files are test_shipped_rules.py's); the ConfigMap's config passes `sonde
  config check` with them, and sonde started with the container's arguments and environment
  serves until /ready answers;
- the plain Prometheus scrape config passes `promtool check config` and relabels a node target
  from kubernetes_sd's node role to <node address>:9477 with instance = the node's name.

The image's runtime stage is checked by tools/image-test.sh (`make test-image`), in a chroot."""
import copy
import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import yaml

from harness import DEADLINE, SONDE_BIN, SOURCE_DIR, Sonde, require_tool, run_sonde

K8S = os.path.join(SOURCE_DIR, "deploy", "kubernetes")
CHECKS = os.path.join(SOURCE_DIR, "tests", "kubernetes")
KUSTOMIZATIONS = ["base", "overlays/gpu"]
EXAMPLES = sorted(glob.glob(os.path.join(K8S, "examples", "app-*.yaml")))
SCRAPE_CONFIG = os.path.join(K8S, "examples", "prometheus-scrape-config.yaml")
RELABEL_TOOL = os.environ.get("SONDE_RELABEL_TOOL", "")
# Where the ConfigMap is mounted in the container.
CONFIG_DIR = "/etc/sonde"
# The rules the image ships (Dockerfile) and the ConfigMap's config loads.
SHIPPED_DIR = "/usr/share/sonde/rules"
SHIPPED_RULES = ["host.yml", "gpu.yml", "app.yml"]


def debian_kubectl():
    """Debian 12's kubectl (kubernetes-client 1.20), which CI has: $SONDE_KUBECTL, kubectl on
    PATH, or the copy tools/install-deps.sh unpacks where another package owns /usr/bin/kubectl.
    A newer kubectl would accept kustomizations that Debian's refuses, so it must be 1.20."""
    candidates = [os.environ.get("SONDE_KUBECTL", ""), shutil.which("kubectl") or "",
                  os.path.join(SOURCE_DIR, "build", "deps", "kubernetes-client", "usr", "bin",
                               "kubectl")]
    seen = []
    for c in candidates:
        if not c or not os.access(c, os.X_OK):
            continue
        r = subprocess.run([c, "version", "--client", "--short"], capture_output=True, text=True,
                           timeout=DEADLINE)
        seen.append(f"{c}: {r.stdout.strip() or r.stderr.strip()}")
        if r.returncode == 0 and "v1.20." in r.stdout:
            return c
    raise AssertionError("no kubectl 1.20 (Debian's kubernetes-client): run tools/install-deps.sh"
                         + "".join("\n  " + s for s in seen))


def kustomize(kubectl, path):
    r = subprocess.run([kubectl, "kustomize", path], capture_output=True, text=True,
                       timeout=DEADLINE)
    if r.returncode != 0:
        raise AssertionError(f"kubectl kustomize {path} failed:\n{r.stderr}")
    return [d for d in yaml.safe_load_all(r.stdout) if d]


def schema_problems(sources):
    """tests/kubernetes/validate.mjs on [(source, object)]: its problem lines ([] when valid)."""
    node = require_tool("node")
    if not os.path.isdir(os.path.join(CHECKS, "node_modules", "kubernetes-models")):
        raise AssertionError("tests/kubernetes/node_modules is missing: run tools/install-npm-deps.sh")
    doc = [{"source": s, "object": o} for s, o in sources]
    r = subprocess.run([node, os.path.join(CHECKS, "validate.mjs")], input=json.dumps(doc),
                       capture_output=True, text=True, timeout=120)
    lines = [line for line in r.stdout.splitlines() if line and not line.startswith("ok ")]
    if r.returncode not in (0, 1) or (r.returncode == 1) != bool(lines):
        raise AssertionError(f"validate.mjs exited {r.returncode}:\n{r.stdout}{r.stderr}")
    return lines


def find(objects, kind, name=None):
    found = [o for o in objects
             if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    if len(found) != 1:
        raise AssertionError(f"expected one {kind} {name or ''}, found {len(found)}")
    return found[0]


def matches(selector, labels):
    """A LabelSelector (matchLabels and matchExpressions) against a label map."""
    labels = labels or {}
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in selector.get("matchExpressions") or []:
        has, val = e["key"] in labels, labels.get(e["key"])
        op = e["operator"]
        if (op == "In" and val not in e["values"]) or (op == "NotIn" and val in e["values"]) \
                or (op == "Exists" and not has) or (op == "DoesNotExist" and has):
            return False
    return bool(selector.get("matchLabels") or selector.get("matchExpressions"))


def pod_spec_problems(where, spec):
    """volumeMounts name volumes, probe ports name or number container ports."""
    out = []
    volumes = {v["name"] for v in spec.get("volumes") or []}
    for c in (spec.get("initContainers") or []) + spec["containers"]:
        ports = c.get("ports") or []
        names = {p["name"] for p in ports if "name" in p}
        numbers = {p["containerPort"] for p in ports}
        for m in c.get("volumeMounts") or []:
            if m["name"] not in volumes:
                out.append(f"{where}: container {c['name']} mounts volume {m['name']!r}, "
                           f"which is not among the volumes {sorted(volumes)}")
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            p = c.get(probe)
            if not p:
                continue
            action = p.get("httpGet") or p.get("tcpSocket") or p.get("grpc")
            if action is None:
                continue
            port = action["port"]
            if (isinstance(port, str) and port not in names) or \
                    (isinstance(port, int) and port not in numbers):
                out.append(f"{where}: container {c['name']}'s {probe} port {port!r} is not one of "
                           f"its ports {sorted(names)} / {sorted(numbers)}")
    return out


def daemonset_problems(objects):
    out = []
    ds = find(objects, "DaemonSet")
    tpl = ds["spec"]["template"]
    if not matches(ds["spec"]["selector"], tpl["metadata"].get("labels")):
        out.append(f"DaemonSet selector {ds['spec']['selector']} does not match its template's "
                   f"labels {tpl['metadata'].get('labels')}")
    out += pod_spec_problems("DaemonSet", tpl["spec"])
    for v in tpl["spec"]["volumes"]:
        if "configMap" in v:
            names = {o["metadata"]["name"] for o in objects if o["kind"] == "ConfigMap"}
            if v["configMap"]["name"] not in names:
                out.append(f"volume {v['name']} names ConfigMap {v['configMap']['name']}, not "
                           f"among {sorted(names)}")
    return out


def service_problems(objects):
    out = []
    ds = find(objects, "DaemonSet")
    svc = find(objects, "Service")
    sm = find(objects, "ServiceMonitor")
    pod_labels = ds["spec"]["template"]["metadata"].get("labels")
    if not matches({"matchLabels": svc["spec"]["selector"]}, pod_labels):
        out.append(f"Service selector {svc['spec']['selector']} does not match the pods' labels "
                   f"{pod_labels}")
    container = ds["spec"]["template"]["spec"]["containers"][0]
    cports = {p.get("name") for p in container["ports"]} | \
        {p["containerPort"] for p in container["ports"]}
    for p in svc["spec"]["ports"]:
        if p.get("targetPort", p["port"]) not in cports:
            out.append(f"Service port {p.get('name')} targets {p.get('targetPort')}, not a port of "
                       f"the sonde container")
    if not matches(sm["spec"]["selector"], svc["metadata"].get("labels")):
        out.append(f"ServiceMonitor selector {sm['spec']['selector']} does not match the Service's "
                   f"labels {svc['metadata'].get('labels')}")
    sns = sm["spec"].get("namespaceSelector")
    if sns and not sns.get("any") and svc["metadata"].get("namespace") not in sns.get("matchNames", []):
        out.append("ServiceMonitor's namespaceSelector leaves out the Service's namespace")
    svc_ports = {p.get("name") for p in svc["spec"]["ports"]}
    for ep in sm["spec"]["endpoints"]:
        if ep.get("port") not in svc_ports:
            out.append(f"ServiceMonitor endpoint port {ep.get('port')!r} is not a port name of the "
                       f"Service {sorted(svc_ports)}")
    return out


def config_files(objects):
    """The generated ConfigMap's data: {file name: text}."""
    return find(objects, "ConfigMap")["data"]


def container_env(ds):
    return {e["name"]: e.get("value") for e in ds["spec"]["template"]["spec"]["containers"][0].get("env", [])}


class Kubernetes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.kubectl = debian_kubectl()
        cls.built = {k: kustomize(cls.kubectl, os.path.join(K8S, k)) for k in KUSTOMIZATIONS}
        cls.examples = {}
        for e in EXAMPLES + [SCRAPE_CONFIG]:
            with open(e) as f:
                cls.examples[os.path.basename(e)] = [d for d in yaml.safe_load_all(f) if d]

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sonde-k8s-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    # --- composition and schemas

    def test_every_kustomization_composes(self):
        for k, objects in self.built.items():
            kinds = sorted(o["kind"] for o in objects)
            self.assertEqual(kinds, ["ConfigMap", "DaemonSet", "PrometheusRule", "Service",
                                     "ServiceAccount", "ServiceMonitor"], k)
            for o in objects:
                self.assertEqual(o["metadata"].get("namespace"), "monitoring", (k, o["kind"]))

    def all_objects(self):
        out = [(k, o) for k, objects in self.built.items() for o in objects]
        out += [(f"examples/{name}", o) for name, docs in self.examples.items()
                if name.startswith("app-") for o in docs]
        return out

    def test_every_object_validates_against_the_schemas(self):
        objects = self.all_objects()
        self.assertEqual(schema_problems(objects), [])
        self.assertGreaterEqual(len(objects), 14)

    def test_schema_check_rejects_unknown_and_bad_fields(self):
        # The broken copy: the manifest text with readinessProbe misspelled, composed again.
        broken = os.path.join(self.tmp, "kubernetes")
        shutil.copytree(K8S, broken)
        path = os.path.join(broken, "base", "daemonset.yaml")
        with open(path) as f:
            text = f.read()
        self.assertIn("readinessProbe:", text)
        with open(path, "w") as f:
            f.write(text.replace("readinessProbe:", "readinesProbe:"))
        objects = kustomize(self.kubectl, os.path.join(broken, "base"))
        problems = schema_problems([("broken", o) for o in objects])
        self.assertEqual(problems, ['broken DaemonSet/sonde: .spec.template.spec.containers[0].'
                                    'readinesProbe: unknown field "readinesProbe"'])
        # Unknown fields at other depths, in the CRDs too, and a value of the wrong type; label
        # and annotation maps take any key.
        base = self.built["base"]
        ds, sm, rule = (copy.deepcopy(find(base, k)) for k in ("DaemonSet", "ServiceMonitor",
                                                               "PrometheusRule"))
        ds["spec"]["template"]["spec"]["hostPid"] = True
        ds["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"] = "lots"
        ds["metadata"]["labels"]["any.example/key"] = "fine"
        sm["spec"]["endpoints"][0]["bearerTokenFil"] = "/x"
        rule["spec"]["groups"][0]["rules"][0]["fro"] = "5m"
        problems = schema_problems([("b", ds), ("b", sm), ("b", rule)])
        self.assertEqual(len(problems), 4, problems)
        self.assertIn('b DaemonSet/sonde: .spec.template.spec.hostPid: unknown field "hostPid"',
                      problems)
        self.assertTrue(any("limits/memory must match format" in p for p in problems), problems)
        self.assertIn('b ServiceMonitor/sonde: .spec.endpoints[0].bearerTokenFil: unknown field '
                      '"bearerTokenFil"', problems)
        self.assertIn('b PrometheusRule/sonde: .spec.groups[0].rules[0].fro: unknown field '
                      '"fro"', problems)

    # --- what a schema cannot see

    def test_references_within_each_kustomization(self):
        for k, objects in self.built.items():
            self.assertEqual(daemonset_problems(objects), [], k)
            self.assertEqual(service_problems(objects), [], k)
        for name, docs in self.examples.items():
            for d in docs:
                if d.get("kind") == "Pod":
                    self.assertEqual(pod_spec_problems(name, d["spec"]), [])

    def test_reference_checks_fail_on_broken_copies(self):
        base = self.built["base"]

        def broken(edit):
            objects = copy.deepcopy(base)
            edit({o["kind"]: o for o in objects})
            return daemonset_problems(objects) + service_problems(objects)

        def spec(o):
            return o["DaemonSet"]["spec"]["template"]["spec"]

        cases = {
            "selector": lambda o: o["DaemonSet"]["spec"]["selector"]["matchLabels"].update(x="y"),
            "volumeMount": lambda o: spec(o)["containers"][0]["volumeMounts"][0].update(name="cfg"),
            "init volumeMount": lambda o: spec(o)["initContainers"][0]["volumeMounts"][0].update(
                name="sockets"),
            "probe port name": lambda o: spec(o)["containers"][0]["livenessProbe"]["httpGet"].update(
                port="http"),
            "probe port number": lambda o: spec(o)["containers"][0]["readinessProbe"][
                "httpGet"].update(port=9100),
            "ConfigMap name": lambda o: o["ConfigMap"]["metadata"].update(name="other"),
            "Service selector": lambda o: o["Service"]["spec"]["selector"].update(app="x"),
            "ServiceMonitor port": lambda o: o["ServiceMonitor"]["spec"]["endpoints"][0].update(
                port="web"),
            "ServiceMonitor selector": lambda o: o["ServiceMonitor"]["spec"]["selector"][
                "matchLabels"].update({"app.kubernetes.io/component": "other"}),
            "Service targetPort": lambda o: o["Service"]["spec"]["ports"][0].update(
                targetPort="web"),
        }
        for what, edit in cases.items():
            self.assertEqual(len(broken(edit)), 1, what)

    def test_daemonset_sees_the_node_and_is_locked_down(self):
        for k, objects in self.built.items():
            ds = find(objects, "DaemonSet")
            pod = ds["spec"]["template"]["spec"]
            c = pod["containers"][0]
            self.assertTrue(pod["hostNetwork"], k)
            self.assertTrue(pod["hostPID"], k)
            self.assertEqual(pod["tolerations"], [{"operator": "Exists"}], k)
            self.assertFalse(pod["automountServiceAccountToken"], k)
            self.assertEqual(pod["securityContext"]["seccompProfile"], {"type": "RuntimeDefault"})
            self.assertTrue(pod["securityContext"]["runAsNonRoot"])
            sc = c["securityContext"]
            self.assertTrue(sc["readOnlyRootFilesystem"])
            self.assertFalse(sc["allowPrivilegeEscalation"])
            self.assertEqual(sc["capabilities"], {"drop": ["ALL"]})
            self.assertTrue(sc["runAsNonRoot"])
            # The init container alone is root, with only what chown/chmod of the two host
            # directories need.
            init = pod["initContainers"][0]["securityContext"]
            self.assertEqual(init["capabilities"], {"drop": ["ALL"], "add": ["CHOWN", "FOWNER"]})
            self.assertFalse(init["allowPrivilegeEscalation"])
            self.assertTrue(init["readOnlyRootFilesystem"])
            volumes = {v["name"]: v for v in pod["volumes"]}
            mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
            for host, inside in (("/proc", "/host/proc"), ("/sys", "/host/sys"), ("/", "/host/root")):
                m = mounts[inside]
                self.assertTrue(m["readOnly"], inside)
                self.assertEqual(m["mountPropagation"], "HostToContainer", inside)
                self.assertEqual(volumes[m["name"]]["hostPath"]["path"], host)
            for inside in ("/run/sonde", "/var/lib/sonde"):
                self.assertEqual(volumes[mounts[inside]["name"]]["hostPath"]["type"],
                                 "DirectoryOrCreate")
            for probe, path in (("livenessProbe", "/health"), ("readinessProbe", "/ready")):
                self.assertEqual(c[probe]["httpGet"]["path"], path)
            self.assertNotIn("nvidia.com/gpu", json.dumps(c["resources"]))
            for what in ("requests", "limits"):
                self.assertEqual(set(c["resources"][what]), {"cpu", "memory"})

    def test_memory_limit_is_twice_the_measured_figure(self):
        # docs/install-kubernetes.md states the figure it derives from docs/performance.md on a
        # line "Memory figure: N MiB"; the limit must be at least twice it.
        with open(os.path.join(SOURCE_DIR, "docs", "install-kubernetes.md")) as f:
            m = re.search(r"Memory figure: \*\*(\d+) MiB\*\*", f.read())
        self.assertIsNotNone(m, "docs/install-kubernetes.md states no memory figure")
        figure = int(m.group(1))
        c = find(self.built["base"], "DaemonSet")["spec"]["template"]["spec"]["containers"][0]
        limit = c["resources"]["limits"]["memory"]
        self.assertRegex(limit, r"^\d+Mi$")
        self.assertGreaterEqual(int(limit[:-2]), 2 * figure)

    def test_gpu_overlay(self):
        base, gpu = self.built["base"], self.built["overlays/gpu"]
        pod = find(gpu, "DaemonSet")["spec"]["template"]["spec"]
        self.assertEqual(pod["nodeSelector"], {"nvidia.com/gpu.present": "true"})
        self.assertEqual(pod["runtimeClassName"], "nvidia")
        self.assertEqual(container_env(find(gpu, "DaemonSet"))["NVIDIA_VISIBLE_DEVICES"], "all")
        self.assertNotIn("nvidia.com/gpu", json.dumps(pod["containers"][0]["resources"]))
        base_cfg = yaml.safe_load(config_files(base)["sonde.yaml"])
        gpu_cfg = yaml.safe_load(config_files(gpu)["sonde.yaml"])
        self.assertEqual(base_cfg.pop("gpu"), {"enabled": False})
        self.assertEqual(gpu_cfg.pop("gpu"), {"enabled": True})
        self.assertEqual(base_cfg, gpu_cfg, "the GPU overlay's config differs from the base's "
                         "beyond gpu:")
        self.assertEqual(config_files(base).keys(), config_files(gpu).keys())

    def test_user_group_and_socket_agree_everywhere(self):
        with open(os.path.join(SOURCE_DIR, "Dockerfile")) as f:
            dockerfile = f.read()
        user = re.findall(r"^USER (\d+):(\d+)$", dockerfile, re.M)
        self.assertEqual(len(user), 1, "one USER uid:gid line in the Dockerfile")
        uid, gid = map(int, user[0])
        self.assertIn(f"--uid {uid} --gid {gid}", dockerfile)
        ds = find(self.built["base"], "DaemonSet")
        pod = ds["spec"]["template"]["spec"]
        self.assertEqual((pod["securityContext"]["runAsUser"], pod["securityContext"]["runAsGroup"]),
                         (uid, gid))
        self.assertIn(f"chown {uid}:{gid} /run/sonde /var/lib/sonde",
                      " ".join(pod["initContainers"][0]["command"]))
        cfg = yaml.safe_load(config_files(self.built["base"])["sonde.yaml"])
        sock = cfg["ingest"]["unixgram"]["path"]
        sock_dir = os.path.dirname(sock)
        host_dir = {v["name"]: v for v in pod["volumes"]}[
            {m["mountPath"]: m for m in pod["containers"][0]["volumeMounts"]}[sock_dir]["name"]][
            "hostPath"]["path"]
        self.assertEqual(container_env(ds)["RUNTIME_DIRECTORY"], sock_dir)
        self.assertEqual(cfg["rules"]["state_file"],
                         container_env(ds)["STATE_DIRECTORY"] + "/rules-state.json")
        app = self.examples["app-socket.yaml"][0]["spec"]
        self.assertIn(gid, app["securityContext"]["supplementalGroups"])
        mount = app["containers"][0]["volumeMounts"][0]
        self.assertEqual({v["name"]: v for v in app["volumes"]}[mount["name"]]["hostPath"]["path"],
                         host_dir)
        env = {e["name"]: e.get("value") for e in app["containers"][0]["env"]}
        self.assertEqual(env["DD_DOGSTATSD_URL"],
                         "unix://" + os.path.join(mount["mountPath"], os.path.basename(sock)))
        udp = self.examples["app-udp.yaml"][0]["spec"]["containers"][0]
        env = {e["name"]: e for e in udp["env"]}
        self.assertEqual(env["DD_AGENT_HOST"]["valueFrom"]["fieldRef"]["fieldPath"], "status.hostIP")
        self.assertEqual(env["DD_DOGSTATSD_PORT"]["value"],
                         cfg["ingest"]["udp"]["address"].rpartition(":")[2])
        self.assertTrue(cfg["ingest"]["udp"]["enabled"])

    # --- rules

    def test_prometheusrule_is_the_shipped_rules_and_passes_promtool(self):
        promtool = require_tool("promtool")
        r = subprocess.run([os.path.join(SOURCE_DIR, "tools", "k8s-prometheusrule.py"), "--check"],
                           capture_output=True, text=True, timeout=DEADLINE)
        self.assertEqual(r.returncode, 0, r.stderr)
        shipped = []
        for name in SHIPPED_RULES:
            with open(os.path.join(SOURCE_DIR, "config", "rules", name)) as f:
                shipped += yaml.safe_load(f)["groups"]
        for k, objects in self.built.items():
            groups = find(objects, "PrometheusRule")["spec"]
            self.assertEqual(groups, {"groups": shipped}, k)
            # The ConfigMap carries no rule file of its own: sonde loads the image's.
            self.assertEqual([n for n in config_files(objects) if n.endswith(".rules.yml")], [], k)
            cfg = yaml.safe_load(config_files(objects)["sonde.yaml"])
            self.assertEqual(cfg["rules"]["files"][0], "/usr/share/sonde/rules/*.yml", k)
            path = os.path.join(self.tmp, "groups.yml")
            with open(path, "w") as f:
                yaml.safe_dump(groups, f)
            r = subprocess.run([promtool, "check", "rules", path], capture_output=True, text=True,
                               timeout=DEADLINE)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn(f"SUCCESS: {sum(len(g['rules']) for g in shipped)} rules found", r.stdout)

    # --- sonde itself on the ConfigMap and the container's arguments

    def write_config_map(self, objects, root):
        """The ConfigMap's files under root + /etc/sonde, with its absolute paths moved under
        root (the check runs outside a container); returns the config's path."""
        cfg_dir = root + CONFIG_DIR
        os.makedirs(cfg_dir)
        for name, text in config_files(objects).items():
            if name == "sonde.yaml":
                moved = text.replace(CONFIG_DIR + "/", cfg_dir + "/")
                # The image's shipped rules (Dockerfile: /usr/share/sonde/rules).
                shutil.copytree(os.path.join(SOURCE_DIR, "config", "rules"), root + SHIPPED_DIR)
                moved = moved.replace(SHIPPED_DIR + "/", root + SHIPPED_DIR + "/")
                for d in ("/run/sonde/", "/var/lib/sonde/"):
                    moved = moved.replace(d, root + d)
                moved = re.sub(r"/host/(proc|sys|root)", lambda m: root + "/host/" + m.group(1),
                               moved)
                moved = moved.replace("0.0.0.0:8125", "127.0.0.1:0")
                text = moved
            with open(os.path.join(cfg_dir, name), "w") as f:
                f.write(text)
        return os.path.join(cfg_dir, "sonde.yaml")

    def test_config_map_passes_sonde_config_check(self):
        for k, objects in self.built.items():
            root = os.path.join(self.tmp, k.replace("/", "-"))
            path = self.write_config_map(objects, root)
            r = run_sonde(["config", "check", path])
            self.assertEqual(r.returncode, 0, k + ":\n" + r.stdout + r.stderr)
            self.assertIn(f"({len(SHIPPED_RULES)} rule files)", r.stdout, k)
        # And the check can fail: a misspelled key in the same config.
        bad = os.path.join(self.tmp, "bad.yaml")
        with open(bad, "w") as f:
            f.write(config_files(self.built["base"])["sonde.yaml"].replace("rootfs:", "root_fs:"))
        r = run_sonde(["config", "check", bad])
        self.assertEqual(r.returncode, 1)
        self.assertIn("root_fs", r.stderr)

    def test_sonde_starts_with_the_container_args_and_env(self):
        """The container's args and env as the DaemonSet gives them (paths moved under a temporary
        root whose /host/* are links to this machine's /proc, /sys and /), until /ready."""
        objects = self.built["base"]
        ds = find(objects, "DaemonSet")
        c = ds["spec"]["template"]["spec"]["containers"][0]
        root = os.path.join(self.tmp, "root")
        path = self.write_config_map(objects, root)
        os.makedirs(root + "/host")
        for d in ("proc", "sys"):
            os.symlink("/" + d, f"{root}/host/{d}")
        os.symlink("/", f"{root}/host/root")
        env = {}
        for name, value in container_env(ds).items():
            os.makedirs(root + value)
            env[name] = root + value
        args = [a.replace(CONFIG_DIR + "/", os.path.dirname(path) + "/") for a in c["args"]]
        self.assertEqual(args[0], "--config=" + path)
        with Sonde(args=args, env=env) as s:
            s.wait_ready()
            text = s.metrics()
            self.assertIn("node_cpu_seconds_total{", text)
            self.assertTrue(os.path.exists(root + "/run/sonde/dsd.sock"))
            # --log.format=json took effect.
            self.assertTrue(s.log().lstrip().startswith("{"), s.log()[:200])

    # --- the plain Prometheus example

    def test_scrape_config_example(self):
        promtool = require_tool("promtool")
        cfg = self.examples["prometheus-scrape-config.yaml"][0]
        job = cfg["scrape_configs"][0]
        self.assertEqual(job["kubernetes_sd_configs"], [{"role": "node"}])
        # Debian's Prometheus 2.42 is built without Kubernetes service discovery, so promtool
        # checks the entry with a static target in its place.
        checked = copy.deepcopy(cfg)
        del checked["scrape_configs"][0]["kubernetes_sd_configs"]
        checked["scrape_configs"][0]["static_configs"] = [{"targets": ["192.0.2.1:10250"]}]
        path = os.path.join(self.tmp, "prometheus.yml")
        with open(path, "w") as f:
            yaml.safe_dump(checked, f)
        r = subprocess.run([promtool, "check", "config", path], capture_output=True, text=True,
                           timeout=DEADLINE)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # The relabelling on a target as the node role makes it (the kubelet's address, the
        # node's labels), through sonde's relabelling, which test_relabel_parity.py holds to
        # Prometheus 2.42's.
        if not RELABEL_TOOL:
            raise AssertionError("SONDE_RELABEL_TOOL is not set to the built sonde_relabel_tool")
        target = {"__address__": "192.0.2.7:10250", "__meta_kubernetes_node_name": "node-a",
                  "__meta_kubernetes_node_label_kubernetes_io_arch": "amd64",
                  "__meta_kubernetes_node_label_team": "x", "job": "sonde",
                  "__scheme__": "http", "__metrics_path__": "/metrics"}
        configs = [{k: v for k, v in rc.items()} for rc in job["relabel_configs"]]
        r = subprocess.run([RELABEL_TOOL], input=json.dumps(
            {"cases": [{"labels": target, "configs": configs}]}), capture_output=True, text=True,
            timeout=DEADLINE, check=True)
        out = json.loads(r.stdout)[0]
        self.assertFalse(out.get("dropped"), out)
        labels = out["labels"]
        self.assertEqual(labels["__address__"], "192.0.2.7:9477")
        self.assertEqual(labels["instance"], "node-a")
        self.assertEqual(labels["kubernetes_io_arch"], "amd64")
        self.assertNotIn("team", labels)


if __name__ == "__main__":
    unittest.main()
