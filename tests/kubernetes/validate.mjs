// Validates Kubernetes objects against the OpenAPI schemas of kubernetes-models (Kubernetes'
// own) and @kubernetes-models/prometheus-operator (the Operator's CRDs), and rejects fields the
// schemas do not know, as `kubectl apply --validate=strict` would (the schemas alone allow them:
// they carry no additionalProperties: false).
//
//   node validate.mjs < objects.json      # a JSON array of {"source": "...", "object": {...}}
//
// Prints one line per problem ("<source> <Kind>/<name>: <path>: <message>") and exits 1 if any;
// "ok <n> objects" and exit 0 otherwise.
//
// Unknown fields: the schema validators are ajv's generated code, which reads every property its
// schema names (`data.exec === undefined ? ... : validate(data.exec)`) and enumerates only objects
// whose schema allows any key (a map such as labels, or additionalProperties). The objects are
// handed to the validator behind proxies that record this; afterwards, in every object the
// validator read as a structure (it read named properties and never enumerated its keys), a key
// it never read is one its schema does not have. An object the schema leaves free (preserved
// unknown fields) is neither read nor enumerated, and is not judged.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(import.meta.url);

function modelPath(apiVersion, kind) {
  if (apiVersion.startsWith("monitoring.coreos.com/")) {
    return `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`;
  }
  return `kubernetes-models/${apiVersion}/${kind}`;
}

function loadModel(apiVersion, kind) {
  try {
    return require(modelPath(apiVersion, kind))[kind];
  } catch {
    return undefined;
  }
}

/// Wraps `root` so that reads and key enumerations of every object below it are recorded.
function recorder(root) {
  const reads = new WeakMap(); // target -> Set of keys read
  const enumerated = new WeakSet();
  const proxies = new WeakMap();
  const wrap = (value) => {
    if (value === null || typeof value !== "object") return value;
    let p = proxies.get(value);
    if (p) return p;
    p = new Proxy(value, {
      get(target, key, receiver) {
        if (typeof key === "string") {
          if (!reads.has(target)) reads.set(target, new Set());
          reads.get(target).add(key);
        }
        return wrap(Reflect.get(target, key, receiver));
      },
      has(target, key) {
        if (typeof key === "string") {
          if (!reads.has(target)) reads.set(target, new Set());
          reads.get(target).add(key);
        }
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        enumerated.add(target);
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(value, p);
    return p;
  };
  return { proxy: wrap(root), reads, enumerated };
}

function unknownFields(node, path, reads, enumerated, out) {
  if (Array.isArray(node)) {
    node.forEach((v, i) => unknownFields(v, `${path}[${i}]`, reads, enumerated, out));
    return;
  }
  if (node === null || typeof node !== "object") return;
  const read = reads.get(node);
  const judged = read !== undefined && !enumerated.has(node);
  for (const key of Object.keys(node)) {
    if (judged && !read.has(key)) out.push(`${path}.${key}: unknown field "${key}"`);
    unknownFields(node[key], `${path}.${key}`, reads, enumerated, out);
  }
}

function check(object) {
  const problems = [];
  const { apiVersion, kind } = object ?? {};
  if (typeof apiVersion !== "string" || typeof kind !== "string") {
    return ["no apiVersion or kind"];
  }
  const Model = loadModel(apiVersion, kind);
  if (!Model) return [`no schema for ${apiVersion} ${kind}`];
  // The model's validate() runs the schema's validator on `this`: give it the recorded copy.
  const data = JSON.parse(JSON.stringify(object));
  const model = new Model(data);
  const { proxy, reads, enumerated } = recorder(data);
  try {
    model.validate.call(proxy);
  } catch (e) {
    problems.push(`schema: ${e.message}`);
  }
  unknownFields(data, "", reads, enumerated, problems);
  return problems;
}

const input = JSON.parse(readFileSync(0, "utf8"));
let bad = 0;
for (const { source, object } of input) {
  const name = `${source} ${object?.kind ?? "?"}/${object?.metadata?.name ?? "?"}`;
  for (const p of check(object)) {
    console.log(`${name}: ${p}`);
    ++bad;
  }
}
if (bad > 0) process.exit(1);
console.log(`ok ${input.length} objects`);
