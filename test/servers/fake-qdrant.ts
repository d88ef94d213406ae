/**
 * A stand-in for Qdrant's REST API, for contract tests: a real HTTP server (Hono) that the real
 * `@qdrant/js-client-rest` client talks to, speaking the subset Parley uses with Qdrant's documented
 * shapes, envelopes and status codes:
 *
 * - `GET /` (version info, no envelope), `GET /collections`, `GET|PUT|DELETE /collections/{name}`,
 *   `GET /collections/{name}/exists`, `PUT /collections/{name}/index` (payload indexes);
 * - points: `PUT …/points` (upsert a list), `POST …/points` (retrieve by ids), `POST …/points/delete`
 *   (by ids or filter), `POST …/points/scroll`, `POST …/points/count`, `POST …/points/query`;
 * - `POST …/facet` (value counts of a payload key, which, as in Qdrant, needs a keyword index).
 *
 * Answers are `{ result, status: "ok", time }`; errors `{ status: { error }, time }` with Qdrant's
 * status codes: 404 missing collection, 409 existing collection, 400 "Format error in JSON body" for
 * a body that does not deserialise, 400 "Wrong input" for a wrong dimension or vector name, 422
 * "Validation error in JSON body" for out-of-range values, 401 without the API key when one is set.
 *
 * Requests are validated strictly, deliberately stricter than Qdrant in one respect: unknown fields
 * are rejected everywhere (Qdrant's serde structs mostly ignore them), so a misspelt option fails the
 * test instead of being silently dropped. Features outside the subset answer 501 "fake-qdrant does not
 * implement …", never a fake success.
 *
 * Semantics, in memory:
 * - named (and unnamed) dense vectors, Cosine (stored normalised, as Qdrant does, so read-back
 *   vectors are unit length) or Dot; exact search;
 * - sparse vectors scored by dot product; with `modifier: "idf"` each query weight is multiplied by
 *   `idf = ln((N − n + 0.5) / (n + 0.5) + 1)`, N = points having that sparse vector, n = those of them
 *   having the term. Only points sharing at least one index with the query are returned;
 * - filters: `must` / `should` / `must_not` (one condition or a list, nested filters), field
 *   conditions with `match.value` / `match.any` / `match.except` (an array payload matches when any
 *   element does; `except` matches a missing field), `has_id`, `is_empty`, `is_null`, `has_vector`;
 * - query with `prefetch` (nested, the outer filter applies to prefetches too) and `fusion: "rrf"` /
 *   `rrf: { k }`, scored as Qdrant does: Σ 1 / (position + k) with 0-based positions and k = 2 by
 *   default (so rank 1 scores 1/2); a vector query over prefetches re-scores their candidates;
 * - scroll in point-id order (integers, then UUIDs) with `next_page_offset`; exact count; delete by
 *   ids or filter; `with_payload` (bool, list, include/exclude) and `with_vector` (bool, list).
 *
 * Every request is recorded (method, path, query, body, whether an `api-key` header came and
 * matched, status answered). `failNext(n, status)` makes the next n requests (the client's `GET /`
 * version probe excepted) answer an error envelope.
 */
import { Hono, type Context } from 'hono';
import { listen } from '../../core/listen.js';

// ---------------------------------------------------------------------------------------------
// Public types

export interface FakeQdrantOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** When set, every request must carry it in `api-key` (or `Authorization: Bearer`), else 401. */
  apiKey?: string;
  /** What `GET /` reports. Default 1.18.0 (the client's version, so its compatibility check passes). */
  version?: string;
}

export interface RecordedQdrantRequest {
  seq: number;
  method: string;
  path: string;
  query: Record<string, string>;
  /** Parsed JSON body (the raw text when it did not parse; undefined without a body). */
  body: unknown;
  /** Whether an `api-key` header came (its value is never recorded). */
  hasApiKey: boolean;
  /** Whether it matched the configured key (true when none is configured). */
  apiKeyValid: boolean;
  /** HTTP status answered (0 until answered). */
  status: number;
  /** Set when an injected fault answered. */
  injected?: number;
}

export interface FaultOptions {
  /** Qdrant's `status.error` text. Default "Service internal error: injected fault". */
  message?: string;
  /** Only requests whose path matches (a substring or a RegExp). */
  path?: string | RegExp;
  method?: string;
}

export interface StoredPointView {
  id: number | string;
  /** Dense vectors as stored (normalised for Cosine), sparse ones as `{ indices, values }`. */
  vectors: Record<string, number[] | { indices: number[]; values: number[] }>;
  payload: Record<string, unknown>;
}

export interface FakeQdrant {
  url: string;
  requests: RecordedQdrantRequest[];
  /** The next `n` matching requests answer `status` with an error envelope. */
  failNext(n: number, status: number, opts?: FaultOptions): void;
  collectionNames(): string[];
  /** Points of a collection in id order (undefined when the collection does not exist). */
  points(collection: string): StoredPointView[] | undefined;
  /** Forgets recorded requests and pending faults (collections stay). */
  reset(): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Errors

/** An error Qdrant would answer: HTTP status + `status.error` text. */
class QdrantError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const formatError = (msg: string) => new QdrantError(400, `Format error in JSON body: ${msg}`);
const validationError = (msg: string) => new QdrantError(422, `Validation error in JSON body: [${msg}]`);
const wrongInput = (msg: string) => new QdrantError(400, `Wrong input: ${msg}`);
const notImplemented = (what: string) => new QdrantError(501, `fake-qdrant does not implement ${what}`);
const missingCollection = (name: string) =>
  new QdrantError(404, `Not found: Collection \`${name}\` doesn't exist!`);

// ---------------------------------------------------------------------------------------------
// Shape checking (serde-like messages)

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'sequence';
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  if (typeof v === 'number') return Number.isInteger(v) ? `integer \`${v}\`` : `floating point \`${v}\``;
  if (typeof v === 'boolean') return `boolean \`${v}\``;
  return 'map';
}

function object(v: unknown, what: string): Json {
  if (!isObject(v)) throw formatError(`invalid type: ${describe(v)}, expected ${what}`);
  return v;
}

function onlyKeys(obj: Json, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw formatError(
        `unknown field \`${key}\`, expected one of ${allowed.map((a) => `\`${a}\``).join(', ')}`,
      );
    }
  }
}

const present = (v: unknown) => v !== undefined && v !== null;

function uint(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw formatError(`invalid type: ${describe(v)}, expected usize for \`${field}\``);
  }
  return v;
}

function optUint(obj: Json, field: string, min = 0): number | undefined {
  if (!present(obj[field])) return undefined;
  const n = uint(obj[field], field);
  if (n < min) throw validationError(`${field}: value ${n} invalid, must be ${min} or larger`);
  return n;
}

function optBool(obj: Json, field: string): boolean | undefined {
  const v = obj[field];
  if (!present(v)) return undefined;
  if (typeof v !== 'boolean')
    throw formatError(`invalid type: ${describe(v)}, expected a boolean for \`${field}\``);
  return v;
}

function optString(obj: Json, field: string): string | undefined {
  const v = obj[field];
  if (!present(v)) return undefined;
  if (typeof v !== 'string')
    throw formatError(`invalid type: ${describe(v)}, expected a string for \`${field}\``);
  return v;
}

function numberArray(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) {
    throw formatError(`invalid type: ${describe(v)}, expected ${what}`);
  }
  return v as number[];
}

/** `shard_key` is accepted when absent or null: the fake has one shard. */
function noShardKey(obj: Json): void {
  if (present(obj.shard_key)) throw notImplemented('shard keys');
}

// ---------------------------------------------------------------------------------------------
// Point ids

const UUID_HYPHENATED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID_SIMPLE = /^[0-9a-f]{32}$/i;

interface PointId {
  /** Canonical map key. */
  key: string;
  /** As Qdrant returns it: the integer, or the UUID lowercase and hyphenated. */
  id: number | string;
}

function pointId(v: unknown): PointId {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return { key: `n:${v}`, id: v };
  if (typeof v === 'string' && (UUID_HYPHENATED.test(v) || UUID_SIMPLE.test(v))) {
    const hex = v.replace(/-/g, '').toLowerCase();
    const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    return { key: `u:${id}`, id };
  }
  throw formatError(
    `value ${JSON.stringify(v)} is not a valid point ID, valid values are either an unsigned integer or a UUID`,
  );
}

/** Qdrant's order: integer ids first (ascending), then UUIDs (by their 128-bit value, i.e. hex order). */
function compareIds(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Collections and points

type Distance = 'Cosine' | 'Dot';

interface DenseConfig {
  size: number;
  distance: Distance;
  /** The VectorParams as given, echoed by GET collection. */
  raw: Json;
}

interface SparseVector {
  indices: number[];
  values: number[];
}

interface StoredPoint {
  id: PointId;
  dense: Map<string, number[]>;
  sparse: Map<string, SparseVector>;
  payload: Json;
  version: number;
}

interface Collection {
  name: string;
  /** Dense vectors by name; the unnamed vector of a single-vector collection is named "". */
  dense: Map<string, DenseConfig>;
  /** Whether `vectors` was a single VectorParams (unnamed). */
  unnamed: boolean;
  sparse: Map<string, { modifier: 'none' | 'idf'; raw: Json }>;
  payloadIndexes: Map<string, { data_type: string; params?: Json }>;
  points: Map<string, StoredPoint>;
  operations: number;
}

const VECTOR_PARAMS_KEYS = [
  'size',
  'distance',
  'hnsw_config',
  'quantization_config',
  'on_disk',
  'datatype',
  'multivector_config',
];
const CREATE_COLLECTION_KEYS = [
  'vectors',
  'shard_number',
  'sharding_method',
  'replication_factor',
  'write_consistency_factor',
  'on_disk_payload',
  'hnsw_config',
  'wal_config',
  'optimizers_config',
  'quantization_config',
  'sparse_vectors',
  'strict_mode_config',
  'metadata',
];
const PAYLOAD_TYPES = ['keyword', 'integer', 'float', 'geo', 'text', 'bool', 'datetime', 'uuid'];

function denseConfig(v: unknown, name: string): DenseConfig {
  const params = object(v, `struct VectorParams for vector \`${name}\``);
  onlyKeys(params, VECTOR_PARAMS_KEYS);
  const size = uint(params.size, 'size');
  if (size < 1) throw validationError(`vectors.size: value 0 invalid, must be 1 or larger`);
  const distance = params.distance;
  if (typeof distance !== 'string' || !['Cosine', 'Euclid', 'Dot', 'Manhattan'].includes(distance)) {
    throw formatError(
      `unknown variant ${describe(distance)}, expected one of \`Cosine\`, \`Euclid\`, \`Dot\`, \`Manhattan\``,
    );
  }
  if (distance !== 'Cosine' && distance !== 'Dot') throw notImplemented(`${distance} distance`);
  if (present(params.multivector_config)) throw notImplemented('multivectors');
  return { size, distance, raw: params };
}

function createCollection(name: string, raw: unknown): Collection {
  const body = object(raw, 'struct CreateCollection');
  onlyKeys(body, CREATE_COLLECTION_KEYS);
  optUint(body, 'shard_number', 1);
  optUint(body, 'replication_factor', 1);
  optUint(body, 'write_consistency_factor', 1);
  optBool(body, 'on_disk_payload');
  if (present(body.sharding_method) && body.sharding_method !== 'auto')
    throw notImplemented('custom sharding');
  const col: Collection = {
    name,
    dense: new Map(),
    unnamed: false,
    sparse: new Map(),
    payloadIndexes: new Map(),
    points: new Map(),
    operations: 0,
  };
  if (present(body.vectors)) {
    const vectors = object(body.vectors, 'VectorParams or a map of named VectorParams');
    if ('size' in vectors || 'distance' in vectors) {
      col.unnamed = true;
      col.dense.set('', denseConfig(vectors, ''));
    } else {
      for (const [vectorName, params] of Object.entries(vectors))
        col.dense.set(vectorName, denseConfig(params, vectorName));
    }
  }
  if (present(body.sparse_vectors)) {
    const sparse = object(body.sparse_vectors, 'a map of named SparseVectorParams');
    for (const [vectorName, value] of Object.entries(sparse)) {
      const params = object(value, `struct SparseVectorParams for vector \`${vectorName}\``);
      onlyKeys(params, ['index', 'modifier']);
      const modifier = params.modifier ?? 'none';
      if (modifier !== 'none' && modifier !== 'idf') {
        throw formatError(`unknown variant ${describe(modifier)}, expected \`none\` or \`idf\``);
      }
      if (col.dense.has(vectorName))
        throw wrongInput(`Vector name \`${vectorName}\` is used for both dense and sparse vectors`);
      col.sparse.set(vectorName, { modifier, raw: params });
    }
  }
  return col;
}

function collectionInfo(col: Collection): Json {
  const vectors = col.unnamed
    ? col.dense.get('')!.raw
    : Object.fromEntries([...col.dense].map(([name, cfg]) => [name, cfg.raw]));
  const payloadSchema = Object.fromEntries(
    [...col.payloadIndexes].map(([field, index]) => [
      field,
      {
        data_type: index.data_type,
        ...(index.params ? { params: index.params } : {}),
        points: [...col.points.values()].filter((p) => valuesAt(p.payload, field).length > 0).length,
      },
    ]),
  );
  return {
    status: 'green',
    optimizer_status: 'ok',
    indexed_vectors_count: 0,
    points_count: col.points.size,
    segments_count: 1,
    config: {
      params: {
        vectors,
        shard_number: 1,
        replication_factor: 1,
        write_consistency_factor: 1,
        on_disk_payload: true,
        ...(col.sparse.size
          ? { sparse_vectors: Object.fromEntries([...col.sparse].map(([n, s]) => [n, s.raw])) }
          : {}),
      },
      hnsw_config: {
        m: 16,
        ef_construct: 100,
        full_scan_threshold: 10000,
        max_indexing_threads: 0,
        on_disk: false,
      },
      optimizer_config: {
        deleted_threshold: 0.2,
        vacuum_min_vector_number: 1000,
        default_segment_number: 0,
        max_segment_size: null,
        memmap_threshold: null,
        indexing_threshold: 10000,
        flush_interval_sec: 5,
        max_optimization_threads: null,
      },
      wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
      quantization_config: null,
    },
    payload_schema: payloadSchema,
  };
}

/** The values at a payload path (`a.b`), arrays flattened, nulls dropped. */
function valuesAt(payload: Json, key: string): unknown[] {
  let current: unknown[] = [payload];
  for (const part of key.split('.')) {
    const next: unknown[] = [];
    for (const c of current) {
      if (isObject(c) && part in c) next.push(c[part]);
    }
    current = next.flatMap((v) => (Array.isArray(v) ? v : [v]));
  }
  return current.filter((v) => v !== null && v !== undefined);
}

function normalise(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return norm === 0 ? v.slice() : v.map((x) => Math.fround(x / norm));
}

// ---------------------------------------------------------------------------------------------
// Vectors in requests

/** A sparse vector of a request: equal lengths, unique u32 indices. */
function sparseVector(v: Json, where: string): SparseVector {
  onlyKeys(v, ['indices', 'values']);
  const indices = numberArray(v.indices, 'a sequence of u32 for `indices`');
  const values = numberArray(v.values, 'a sequence of f32 for `values`');
  if (indices.some((i) => !Number.isInteger(i) || i < 0 || i > 0xffffffff)) {
    throw formatError(`invalid value in \`indices\` of ${where}, expected u32`);
  }
  if (indices.length !== values.length) throw validationError(`${where}: must be the same length as indices`);
  if (new Set(indices).size !== indices.length) throw validationError(`${where}: indices must be unique`);
  return { indices: [...indices], values: [...values] };
}

function checkDense(col: Collection, name: string, v: number[]): number[] {
  const cfg = col.dense.get(name);
  if (!cfg) {
    if (col.sparse.has(name))
      throw wrongInput(`Conversion between sparse and regular vectors failed for \`${name}\``);
    throw wrongInput(`Not existing vector name error: ${name}`);
  }
  if (v.length !== cfg.size)
    throw wrongInput(`Vector dimension error: expected dim: ${cfg.size}, got ${v.length}`);
  return cfg.distance === 'Cosine' ? normalise(v) : v.map(Math.fround);
}

function checkSparseName(col: Collection, name: string): void {
  if (col.sparse.has(name)) return;
  if (col.dense.has(name))
    throw wrongInput(`Conversion between sparse and regular vectors failed for \`${name}\``);
  throw wrongInput(`Not existing vector name error: ${name}`);
}

function parsePointStruct(col: Collection, raw: unknown, at: number): StoredPoint {
  const p = object(raw, 'struct PointStruct');
  onlyKeys(p, ['id', 'vector', 'payload']);
  if (!('id' in p)) throw formatError('missing field `id`');
  if (!('vector' in p)) throw formatError('missing field `vector`');
  const id = pointId(p.id);
  const dense = new Map<string, number[]>();
  const sparse = new Map<string, SparseVector>();
  const vector = p.vector;
  if (Array.isArray(vector)) {
    if (vector.some((x) => Array.isArray(x))) throw notImplemented('multivectors');
    dense.set('', checkDense(col, '', numberArray(vector, 'a sequence of f32')));
  } else if (isObject(vector)) {
    if ('indices' in vector || 'values' in vector) {
      throw formatError('data did not match any variant of untagged enum VectorStruct');
    }
    for (const [name, value] of Object.entries(vector)) {
      if (Array.isArray(value)) {
        dense.set(
          name,
          checkDense(col, name, numberArray(value, `a sequence of f32 for vector \`${name}\``)),
        );
      } else if (isObject(value) && ('indices' in value || 'values' in value)) {
        checkSparseName(col, name);
        sparse.set(name, sparseVector(value, `points[${at}].vector.${name}`));
      } else if (isObject(value) && ('text' in value || 'image' in value || 'object' in value)) {
        throw notImplemented('inference (Document / Image / Object vectors)');
      } else {
        throw formatError('data did not match any variant of untagged enum VectorStruct');
      }
    }
  } else {
    throw formatError('data did not match any variant of untagged enum VectorStruct');
  }
  let payload: Json = {};
  if (present(p.payload)) payload = structuredClone(object(p.payload, 'a map for `payload`'));
  return { id, dense, sparse, payload, version: 0 };
}

// ---------------------------------------------------------------------------------------------
// Filters

type Predicate = (p: StoredPoint) => boolean;

function oneOrMany(v: unknown): unknown[] {
  if (!present(v)) return [];
  return Array.isArray(v) ? v : [v];
}

function parseFilter(raw: unknown): Predicate {
  const f = object(raw, 'struct Filter');
  onlyKeys(f, ['must', 'should', 'must_not', 'min_should']);
  if (present(f.min_should)) throw notImplemented('min_should');
  const must = oneOrMany(f.must).map(parseCondition);
  const should = oneOrMany(f.should).map(parseCondition);
  const mustNot = oneOrMany(f.must_not).map(parseCondition);
  return (p) =>
    must.every((c) => c(p)) &&
    (should.length === 0 || should.some((c) => c(p))) &&
    !mustNot.some((c) => c(p));
}

const FIELD_CONDITION_KEYS = [
  'key',
  'match',
  'range',
  'geo_bounding_box',
  'geo_radius',
  'geo_polygon',
  'values_count',
  'is_empty',
  'is_null',
];

function parseCondition(raw: unknown): Predicate {
  const c = object(raw, 'a filtering condition');
  if ('key' in c) {
    onlyKeys(c, FIELD_CONDITION_KEYS);
    const key = c.key;
    if (typeof key !== 'string' || !key)
      throw formatError(`invalid type: ${describe(key)}, expected a payload key`);
    const given = FIELD_CONDITION_KEYS.filter((k) => k !== 'key' && present(c[k]));
    if (given.length === 0) throw validationError(`${key}: At least one field condition must be specified`);
    const checks = given.map((kind): Predicate => {
      if (kind === 'match') return parseMatch(key, c.match);
      throw notImplemented(`field condition \`${kind}\``);
    });
    return (p) => checks.every((check) => check(p));
  }
  if ('has_id' in c) {
    onlyKeys(c, ['has_id']);
    if (!Array.isArray(c.has_id))
      throw formatError(`invalid type: ${describe(c.has_id)}, expected a sequence of point ids`);
    const keys = new Set(c.has_id.map((id) => pointId(id).key));
    return (p) => keys.has(p.id.key);
  }
  if ('is_empty' in c || 'is_null' in c) {
    onlyKeys(c, ['is_empty', 'is_null']);
    const kind = 'is_empty' in c ? 'is_empty' : 'is_null';
    const inner = object(c[kind], 'struct PayloadField');
    onlyKeys(inner, ['key']);
    const key = inner.key;
    if (typeof key !== 'string') throw formatError('missing field `key`');
    if (kind === 'is_empty') return (p) => valuesAt(p.payload, key).length === 0;
    return (p) => {
      // Null, not missing: the key is there with a null value (or an array holding one).
      let v: unknown = p.payload;
      for (const part of key.split('.')) v = isObject(v) ? v[part] : undefined;
      return v === null || (Array.isArray(v) && v.includes(null));
    };
  }
  if ('has_vector' in c) {
    onlyKeys(c, ['has_vector']);
    if (typeof c.has_vector !== 'string')
      throw formatError('invalid type for `has_vector`, expected a string');
    const name = c.has_vector;
    return (p) => p.dense.has(name) || p.sparse.has(name);
  }
  if ('nested' in c) throw notImplemented('nested conditions');
  if (['must', 'should', 'must_not', 'min_should'].some((k) => k in c) || Object.keys(c).length === 0) {
    return parseFilter(c);
  }
  throw formatError('data did not match any variant of untagged enum Condition');
}

type Scalar = string | number | boolean;

function parseMatch(key: string, raw: unknown): Predicate {
  const m = object(raw, 'struct Match');
  const kinds = ['value', 'text', 'text_any', 'phrase', 'any', 'except'];
  onlyKeys(m, kinds);
  const given = kinds.filter((k) => k in m);
  if (given.length !== 1) throw formatError('data did not match any variant of untagged enum Match');
  const kind = given[0]!;
  if (kind === 'text' || kind === 'text_any' || kind === 'phrase')
    throw notImplemented(`full-text match (\`${kind}\`)`);
  if (kind === 'value') {
    const value = m.value;
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      throw formatError(
        `invalid type: ${describe(value)}, expected a string, integer or boolean for \`match.value\``,
      );
    }
    return (p) => valuesAt(p.payload, key).some((v) => v === value);
  }
  const list = m[kind];
  const allStrings = Array.isArray(list) && list.every((x) => typeof x === 'string');
  const allIntegers = Array.isArray(list) && list.every((x) => typeof x === 'number' && Number.isInteger(x));
  if (!Array.isArray(list) || !(allStrings || allIntegers)) {
    throw formatError(`data did not match any variant of untagged enum AnyVariants for \`match.${kind}\``);
  }
  const set = new Set<Scalar>(list as Scalar[]);
  if (kind === 'any') return (p) => valuesAt(p.payload, key).some((v) => set.has(v as Scalar));
  return (p) => {
    const values = valuesAt(p.payload, key);
    return values.length === 0 || values.some((v) => !set.has(v as Scalar));
  };
}

// ---------------------------------------------------------------------------------------------
// with_payload / with_vector

type PayloadSelector = (payload: Json) => Json | undefined;
type VectorSelector = (p: StoredPoint) => Json | undefined;

function parseWithPayload(v: unknown, byDefault: boolean): PayloadSelector {
  const pick = (payload: Json, keys: string[]) =>
    Object.fromEntries(keys.filter((k) => k in payload).map((k) => [k, payload[k]]));
  if (v === undefined || v === null) return byDefault ? (p) => p : () => undefined;
  if (typeof v === 'boolean') return v ? (p) => p : () => undefined;
  if (Array.isArray(v)) {
    if (v.some((k) => typeof k !== 'string'))
      throw formatError('invalid type in `with_payload`, expected strings');
    return (p) => pick(p, v as string[]);
  }
  if (isObject(v) && ('include' in v || 'exclude' in v)) {
    onlyKeys(v, ['include', 'exclude']);
    const list = (v.include ?? v.exclude) as unknown;
    if (!Array.isArray(list) || list.some((k) => typeof k !== 'string')) {
      throw formatError('invalid type in `with_payload`, expected a list of strings');
    }
    if ('include' in v) return (p) => pick(p, list as string[]);
    return (p) => Object.fromEntries(Object.entries(p).filter(([k]) => !(list as string[]).includes(k)));
  }
  throw formatError('data did not match any variant of untagged enum WithPayloadInterface');
}

function parseWithVector(col: Collection, v: unknown): VectorSelector {
  const output = (p: StoredPoint, names: string[] | undefined): Json => {
    if (col.unnamed && names === undefined) return { '': p.dense.get('') };
    const out: Json = {};
    for (const [name, vec] of p.dense) if (!names || names.includes(name)) out[name] = vec;
    for (const [name, vec] of p.sparse) if (!names || names.includes(name)) out[name] = vec;
    return out;
  };
  if (v === undefined || v === null || v === false) return () => undefined;
  if (v === true) return (p) => (col.unnamed ? (p.dense.get('') as unknown as Json) : output(p, undefined));
  if (Array.isArray(v) && v.every((n) => typeof n === 'string')) {
    for (const name of v) {
      if (!col.dense.has(name) && !col.sparse.has(name))
        throw wrongInput(`Not existing vector name error: ${name}`);
    }
    return (p) => output(p, v);
  }
  throw formatError('data did not match any variant of untagged enum WithVector');
}

function record(p: StoredPoint, withPayload: PayloadSelector, withVector: VectorSelector): Json {
  const payload = withPayload(p.payload);
  const vector = withVector(p);
  return {
    id: p.id.id,
    ...(payload !== undefined ? { payload } : {}),
    ...(vector !== undefined ? { vector } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Query API

type QuerySpec =
  { kind: 'dense'; vector: number[] } | { kind: 'sparse'; vector: SparseVector } | { kind: 'rrf'; k: number };

interface QueryNode {
  prefetch: QueryNode[];
  query?: QuerySpec;
  using: string;
  filter?: Predicate;
  limit: number;
  scoreThreshold?: number;
}

interface Scored {
  point: StoredPoint;
  score: number;
}

const PREFETCH_KEYS = [
  'prefetch',
  'query',
  'using',
  'filter',
  'params',
  'score_threshold',
  'limit',
  'lookup_from',
];
const QUERY_KEYS = [...PREFETCH_KEYS, 'offset', 'with_vector', 'with_payload', 'shard_key'];

function parseQuerySpec(raw: unknown): QuerySpec | undefined {
  if (!present(raw)) return undefined;
  if (Array.isArray(raw)) {
    if (raw.some((x) => Array.isArray(x))) throw notImplemented('multivector queries');
    return { kind: 'dense', vector: numberArray(raw, 'a dense vector') };
  }
  if (typeof raw === 'number' || typeof raw === 'string') throw notImplemented('queries by point id');
  const q = object(raw, 'a query');
  if ('indices' in q || 'values' in q) return { kind: 'sparse', vector: sparseVector(q, 'query') };
  if ('nearest' in q) {
    onlyKeys(q, ['nearest', 'mmr']);
    if (present(q.mmr)) throw notImplemented('MMR');
    const inner = parseQuerySpec(q.nearest);
    if (!inner || inner.kind === 'rrf')
      throw formatError('data did not match any variant of untagged enum VectorInput');
    return inner;
  }
  if ('fusion' in q) {
    onlyKeys(q, ['fusion']);
    if (q.fusion === 'rrf') return { kind: 'rrf', k: 2 };
    if (q.fusion === 'dbsf') throw notImplemented('dbsf fusion');
    throw formatError(`unknown variant ${describe(q.fusion)}, expected \`rrf\` or \`dbsf\``);
  }
  if ('rrf' in q) {
    onlyKeys(q, ['rrf']);
    const rrf = object(q.rrf, 'struct Rrf');
    onlyKeys(rrf, ['k', 'weights']);
    if (present(rrf.weights)) throw notImplemented('weighted rrf');
    return { kind: 'rrf', k: optUint(rrf, 'k', 1) ?? 2 };
  }
  const known = ['recommend', 'discover', 'context', 'order_by', 'formula', 'sample', 'relevance_feedback'];
  const kind = known.find((k) => k in q);
  if (kind) throw notImplemented(`\`${kind}\` queries`);
  throw formatError('data did not match any variant of untagged enum QueryInterface');
}

function parseQueryNode(col: Collection, raw: unknown, keys: string[]): QueryNode {
  const body = object(raw, 'struct QueryRequest');
  onlyKeys(body, keys);
  if (present(body.lookup_from)) throw notImplemented('lookup_from');
  if (present(body.params)) object(body.params, 'struct SearchParams');
  const limit = optUint(body, 'limit', 1) ?? 10;
  const using = optString(body, 'using') ?? '';
  const query = parseQuerySpec(body.query);
  const prefetch = oneOrMany(body.prefetch).map((p) => parseQueryNode(col, p, PREFETCH_KEYS));
  if (query?.kind === 'dense') query.vector = checkDense(col, using, query.vector);
  if (query?.kind === 'sparse') checkSparseName(col, using);
  if (query?.kind === 'rrf' && prefetch.length === 0) {
    throw wrongInput('Fusion queries require prefetches (nothing to fuse)');
  }
  if (!query && prefetch.length > 0) throw notImplemented('prefetch without a query');
  let scoreThreshold: number | undefined;
  if (present(body.score_threshold)) {
    if (typeof body.score_threshold !== 'number')
      throw formatError('invalid type for `score_threshold`, expected f32');
    scoreThreshold = body.score_threshold;
  }
  return {
    prefetch,
    ...(query ? { query } : {}),
    using,
    ...(present(body.filter) ? { filter: parseFilter(body.filter) } : {}),
    limit,
    ...(scoreThreshold !== undefined ? { scoreThreshold } : {}),
  };
}

function idf(col: Collection, name: string, index: number): number {
  let n = 0;
  let total = 0;
  for (const p of col.points.values()) {
    const v = p.sparse.get(name);
    if (!v) continue;
    total++;
    if (v.indices.includes(index)) n++;
  }
  return Math.log((total - n + 0.5) / (n + 0.5) + 1);
}

/** The score of `p` for a vector query, or undefined when it cannot match (no such vector, no shared index). */
function scorer(col: Collection, using: string, query: QuerySpec): (p: StoredPoint) => number | undefined {
  if (query.kind === 'dense') {
    return (p) => {
      const v = p.dense.get(using);
      if (!v) return undefined;
      let dot = 0;
      for (let i = 0; i < v.length; i++) dot += v[i]! * query.vector[i]!;
      return Math.fround(dot);
    };
  }
  if (query.kind === 'sparse') {
    const useIdf = col.sparse.get(using)?.modifier === 'idf';
    const weights = new Map<number, number>();
    query.vector.indices.forEach((index, i) => {
      weights.set(index, query.vector.values[i]! * (useIdf ? idf(col, using, index) : 1));
    });
    return (p) => {
      const v = p.sparse.get(using);
      if (!v) return undefined;
      let score = 0;
      let shared = false;
      v.indices.forEach((index, i) => {
        const w = weights.get(index);
        if (w === undefined) return;
        shared = true;
        score += w * v.values[i]!;
      });
      return shared ? Math.fround(score) : undefined;
    };
  }
  throw new Error('fusion is not a vector query');
}

const bestFirst = (a: Scored, b: Scored) => b.score - a.score || compareIds(a.point.id.id, b.point.id.id);

function runNode(col: Collection, node: QueryNode, outer: Predicate | undefined): Scored[] {
  const own = node.filter;
  const filter: Predicate | undefined = own && outer ? (p) => own(p) && outer(p) : (own ?? outer);
  let scored: Scored[];
  if (node.prefetch.length === 0) {
    const candidates = [...col.points.values()].filter((p) => !filter || filter(p));
    if (!node.query) {
      scored = candidates.sort((a, b) => compareIds(a.id.id, b.id.id)).map((point) => ({ point, score: 0 }));
    } else {
      const score = scorer(col, node.using, node.query);
      scored = candidates.flatMap((point) => {
        const s = score(point);
        return s === undefined ? [] : [{ point, score: s }];
      });
      scored.sort(bestFirst);
    }
  } else {
    const lists = node.prefetch.map((p) => runNode(col, p, filter));
    const query = node.query!;
    if (query.kind === 'rrf') {
      const fused = new Map<string, Scored>();
      for (const list of lists) {
        list.forEach(({ point }, position) => {
          const add = 1 / (position + query.k);
          const entry = fused.get(point.id.key);
          if (entry) entry.score += add;
          else fused.set(point.id.key, { point, score: add });
        });
      }
      scored = [...fused.values()].map((s) => ({ ...s, score: Math.fround(s.score) })).sort(bestFirst);
    } else {
      const score = scorer(col, node.using, query);
      const seen = new Map<string, StoredPoint>();
      for (const list of lists) for (const { point } of list) seen.set(point.id.key, point);
      scored = [...seen.values()].flatMap((point) => {
        const s = score(point);
        return s === undefined ? [] : [{ point, score: s }];
      });
      scored.sort(bestFirst);
    }
  }
  if (node.scoreThreshold !== undefined) scored = scored.filter((s) => s.score >= node.scoreThreshold!);
  return scored.slice(0, node.limit);
}

// ---------------------------------------------------------------------------------------------
// Server

interface Fault {
  remaining: number;
  status: number;
  message: string;
  path?: string | RegExp;
  method?: string;
}

interface Route {
  name: string;
  /** Query parameters the endpoint takes. */
  params: readonly string[];
  /** Whether a JSON body is required. */
  body: boolean;
  /** False for the one endpoint answering its result bare (`GET /`). */
  envelope?: boolean;
}

const UPDATE_PARAMS = ['wait', 'ordering', 'timeout'] as const;
const READ_PARAMS = ['consistency', 'timeout'] as const;

/** Starts the server; resolves once it is listening. */
export async function startFakeQdrant(opts: FakeQdrantOptions = {}): Promise<FakeQdrant> {
  const collections = new Map<string, Collection>();
  const requests: RecordedQdrantRequest[] = [];
  let faults: Fault[] = [];
  let seq = 0;
  const version = opts.version ?? '1.18.0';

  const app = new Hono();

  function ok(c: Context, result: unknown, started: number): Response {
    return c.json({ result, status: 'ok', time: (performance.now() - started) / 1000 });
  }

  function fail(c: Context, status: number, error: string, started: number): Response {
    return c.json({ status: { error }, time: (performance.now() - started) / 1000 }, status as 400);
  }

  function takeFault(method: string, path: string): Fault | undefined {
    // The client's version probe (`GET /` at construction) must not eat a fault meant for an operation.
    if (method === 'GET' && path === '/') return undefined;
    const fault = faults.find(
      (f) =>
        (!f.method || f.method.toUpperCase() === method) &&
        (!f.path || (typeof f.path === 'string' ? path.includes(f.path) : f.path.test(path))),
    );
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) faults = faults.filter((f) => f !== fault);
    return fault;
  }

  function checkParams(route: Route, query: Record<string, string>): void {
    for (const [key, value] of Object.entries(query)) {
      if (!route.params.includes(key)) {
        throw new QdrantError(
          400,
          `Query deserialize error: unknown field \`${key}\`, expected one of ${route.params.map((p) => `\`${p}\``).join(', ')}`,
        );
      }
      const valid =
        key === 'wait'
          ? value === 'true' || value === 'false'
          : key === 'timeout'
            ? /^\d+$/.test(value)
            : key === 'ordering'
              ? ['weak', 'medium', 'strong'].includes(value)
              : key === 'consistency'
                ? /^\d+$/.test(value) || ['majority', 'quorum', 'all'].includes(value)
                : true;
      if (!valid)
        throw new QdrantError(
          400,
          `Query deserialize error: invalid value ${JSON.stringify(value)} for \`${key}\``,
        );
    }
  }

  /**
   * The shared front of every endpoint: records the request, applies faults and the API key, parses
   * the query string and body, then runs `handle` and turns a QdrantError into Qdrant's error envelope.
   */
  async function front(
    c: Context,
    route: Route,
    handle: (body: unknown, query: Record<string, string>) => unknown,
  ): Promise<Response> {
    const started = performance.now();
    const url = new URL(c.req.url);
    const query = Object.fromEntries(url.searchParams);
    const apiKeyHeader = c.req.header('api-key');
    const bearer = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
    const rec: RecordedQdrantRequest = {
      seq: ++seq,
      method: c.req.method,
      path: url.pathname,
      query,
      body: undefined,
      hasApiKey: apiKeyHeader !== undefined,
      apiKeyValid: opts.apiKey === undefined || apiKeyHeader === opts.apiKey || bearer === opts.apiKey,
      status: 0,
    };
    requests.push(rec);
    const text = await c.req.text();
    let body: unknown;
    let parseError: string | undefined;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch (err) {
        body = text;
        parseError = err instanceof Error ? err.message : String(err);
      }
    }
    rec.body = body;

    let res: Response;
    const fault = takeFault(rec.method, rec.path);
    if (fault) {
      rec.injected = fault.status;
      res = fail(c, fault.status, fault.message, started);
    } else if (!rec.apiKeyValid) {
      res = fail(c, 401, 'Must provide an API key or an Authorization bearer token', started);
    } else {
      try {
        checkParams(route, query);
        if (route.body) {
          if (text.length === 0) throw formatError('EOF while parsing a value at line 1 column 0');
          if (!(c.req.header('content-type') ?? '').includes('application/json')) {
            throw new QdrantError(400, 'Content type error: expected application/json');
          }
          if (parseError !== undefined) throw formatError(parseError);
        } else if (text.length > 0) {
          throw formatError(`${route.name} takes no body`);
        }
        const result = handle(body, query);
        res = route.envelope === false ? c.json(result) : ok(c, result, started);
      } catch (err) {
        if (!(err instanceof QdrantError)) throw err;
        res = fail(c, err.status, err.message, started);
      }
    }
    rec.status = res.status;
    return res;
  }

  function collectionOf(c: Context): Collection {
    const name = c.req.param('name') ?? '';
    const col = collections.get(name);
    if (!col) throw missingCollection(name);
    return col;
  }

  function updateResult(col: Collection, query: Record<string, string>): Json {
    return { operation_id: col.operations++, status: query.wait === 'true' ? 'completed' : 'acknowledged' };
  }

  function sortedPoints(col: Collection): StoredPoint[] {
    return [...col.points.values()].sort((a, b) => compareIds(a.id.id, b.id.id));
  }

  // The one answer without the envelope, as Qdrant's.
  app.get('/', (c) =>
    front(c, { name: 'root', params: [], body: false, envelope: false }, () => ({
      title: 'qdrant - vector search engine',
      version,
      commit: 'fake-qdrant',
    })),
  );

  app.get('/collections', (c) =>
    front(c, { name: 'list collections', params: [], body: false }, () => ({
      collections: [...collections.keys()].map((name) => ({ name })),
    })),
  );

  app.get('/collections/:name', (c) =>
    front(c, { name: 'get collection', params: [], body: false }, () => collectionInfo(collectionOf(c))),
  );

  app.get('/collections/:name/exists', (c) =>
    front(c, { name: 'collection exists', params: [], body: false }, () => ({
      exists: collections.has(c.req.param('name')),
    })),
  );

  app.put('/collections/:name', (c) =>
    front(c, { name: 'create collection', params: ['timeout'], body: true }, (body) => {
      const name = c.req.param('name');
      if (!/^[^/\\\s:*?"<>|]{1,255}$/.test(name))
        throw validationError(`collection_name: invalid name ${JSON.stringify(name)}`);
      if (collections.has(name))
        throw new QdrantError(409, `Wrong input: Collection \`${name}\` already exists!`);
      collections.set(name, createCollection(name, body));
      return true;
    }),
  );

  app.delete('/collections/:name', (c) =>
    front(c, { name: 'delete collection', params: ['timeout'], body: false }, () =>
      collections.delete(c.req.param('name')),
    ),
  );

  app.put('/collections/:name/index', (c) =>
    front(c, { name: 'create field index', params: UPDATE_PARAMS, body: true }, (raw, query) => {
      const col = collectionOf(c);
      const body = object(raw, 'struct CreateFieldIndex');
      onlyKeys(body, ['field_name', 'field_schema']);
      const field = body.field_name;
      if (typeof field !== 'string' || !field) throw formatError('missing field `field_name`');
      const schema = body.field_schema;
      let index: { data_type: string; params?: Json };
      if (typeof schema === 'string') {
        if (!PAYLOAD_TYPES.includes(schema)) {
          throw formatError(
            `unknown variant ${describe(schema)}, expected one of ${PAYLOAD_TYPES.map((t) => `\`${t}\``).join(', ')}`,
          );
        }
        index = { data_type: schema };
      } else if (isObject(schema) && typeof schema.type === 'string' && PAYLOAD_TYPES.includes(schema.type)) {
        index = { data_type: schema.type, params: schema };
      } else if (!present(schema)) {
        throw wrongInput(`Can't auto-detect field type of \`${field}\`: field_schema is required`);
      } else {
        throw formatError('data did not match any variant of untagged enum PayloadFieldSchema');
      }
      col.payloadIndexes.set(field, index);
      return updateResult(col, query);
    }),
  );

  app.put('/collections/:name/points', (c) =>
    front(c, { name: 'upsert points', params: UPDATE_PARAMS, body: true }, (raw, query) => {
      const col = collectionOf(c);
      const body = object(raw, 'struct PointInsertOperations');
      onlyKeys(body, ['points', 'batch', 'shard_key', 'update_filter', 'update_mode']);
      noShardKey(body);
      if (present(body.batch)) throw notImplemented('batch upserts (send `points`)');
      if (present(body.update_filter) || present(body.update_mode))
        throw notImplemented('conditional upserts');
      if (!Array.isArray(body.points))
        throw formatError(`invalid type: ${describe(body.points)}, expected a sequence of points`);
      // All or nothing: every point is checked before any is stored.
      const parsed = body.points.map((p, i) => parsePointStruct(col, p, i));
      for (const p of parsed) {
        p.version = col.operations;
        col.points.set(p.id.key, p);
      }
      return updateResult(col, query);
    }),
  );

  app.post('/collections/:name/points', (c) =>
    front(c, { name: 'retrieve points', params: READ_PARAMS, body: true }, (raw) => {
      const col = collectionOf(c);
      const body = object(raw, 'struct PointRequest');
      onlyKeys(body, ['ids', 'with_payload', 'with_vector', 'shard_key']);
      noShardKey(body);
      if (!Array.isArray(body.ids)) throw formatError('missing field `ids`');
      const withPayload = parseWithPayload(body.with_payload, true);
      const withVector = parseWithVector(col, body.with_vector);
      const keys = [...new Set(body.ids.map((id) => pointId(id).key))];
      return keys.flatMap((key) => {
        const p = col.points.get(key);
        return p ? [record(p, withPayload, withVector)] : [];
      });
    }),
  );

  app.post('/collections/:name/points/delete', (c) =>
    front(c, { name: 'delete points', params: UPDATE_PARAMS, body: true }, (raw, query) => {
      const col = collectionOf(c);
      const body = object(raw, 'struct PointsSelector');
      onlyKeys(body, ['points', 'filter', 'shard_key']);
      noShardKey(body);
      if (present(body.points) === present(body.filter)) {
        throw formatError('data did not match any variant of untagged enum PointsSelector');
      }
      if (present(body.points)) {
        if (!Array.isArray(body.points))
          throw formatError('invalid type for `points`, expected a sequence of point ids');
        for (const key of body.points.map((id) => pointId(id).key)) col.points.delete(key);
      } else {
        const filter = parseFilter(body.filter);
        for (const [key, p] of col.points) if (filter(p)) col.points.delete(key);
      }
      return updateResult(col, query);
    }),
  );

  app.post('/collections/:name/points/scroll', (c) =>
    front(c, { name: 'scroll points', params: READ_PARAMS, body: true }, (raw) => {
      const col = collectionOf(c);
      const body = object(raw, 'struct ScrollRequest');
      onlyKeys(body, ['offset', 'limit', 'filter', 'with_payload', 'with_vector', 'order_by', 'shard_key']);
      noShardKey(body);
      if (present(body.order_by)) throw notImplemented('order_by');
      const limit = optUint(body, 'limit', 1) ?? 10;
      const filter = present(body.filter) ? parseFilter(body.filter) : undefined;
      const withPayload = parseWithPayload(body.with_payload, true);
      const withVector = parseWithVector(col, body.with_vector);
      const start = present(body.offset) ? pointId(body.offset).id : undefined;
      const matching = sortedPoints(col).filter(
        (p) => (start === undefined || compareIds(p.id.id, start) >= 0) && (!filter || filter(p)),
      );
      const page = matching.slice(0, limit);
      const next = matching[limit];
      return {
        points: page.map((p) => record(p, withPayload, withVector)),
        next_page_offset: next ? next.id.id : null,
      };
    }),
  );

  app.post('/collections/:name/points/count', (c) =>
    front(c, { name: 'count points', params: READ_PARAMS, body: true }, (raw) => {
      const col = collectionOf(c);
      const body = object(raw, 'struct CountRequest');
      onlyKeys(body, ['filter', 'exact', 'shard_key']);
      noShardKey(body);
      optBool(body, 'exact');
      const filter = present(body.filter) ? parseFilter(body.filter) : undefined;
      return { count: [...col.points.values()].filter((p) => !filter || filter(p)).length };
    }),
  );

  app.post('/collections/:name/facet', (c) =>
    front(c, { name: 'facet', params: READ_PARAMS, body: true }, (raw) => {
      const col = collectionOf(c);
      const body = object(raw, 'struct FacetRequest');
      onlyKeys(body, ['key', 'limit', 'filter', 'exact', 'shard_key']);
      noShardKey(body);
      const key = optString(body, 'key');
      if (!key) throw formatError('missing field `key`');
      const limit = optUint(body, 'limit', 1) ?? 10;
      optBool(body, 'exact');
      // As Qdrant: faceting reads the payload index, so the key needs one of a countable type.
      const index = col.payloadIndexes.get(key);
      if (!index || !['keyword', 'integer', 'bool', 'uuid'].includes(index.data_type)) {
        throw new QdrantError(
          400,
          `Bad request: Index required but not found for "${key}" of one of the following types: [keyword, integer, bool, uuid]. Help: Create an index for this key or use a different filter.`,
        );
      }
      const filter = present(body.filter) ? parseFilter(body.filter) : undefined;
      const counts = new Map<Scalar, number>();
      for (const p of col.points.values()) {
        if (filter && !filter(p)) continue;
        for (const v of new Set(valuesAt(p.payload, key))) {
          if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
            counts.set(v, (counts.get(v) ?? 0) + 1);
          }
        }
      }
      const hits = [...counts]
        .map(([value, count]) => ({ value, count }))
        .sort((a, b) => b.count - a.count || String(a.value).localeCompare(String(b.value)));
      return { hits: hits.slice(0, limit) };
    }),
  );

  app.post('/collections/:name/points/query', (c) =>
    front(c, { name: 'query points', params: READ_PARAMS, body: true }, (raw) => {
      const col = collectionOf(c);
      const body = object(raw, 'struct QueryRequest');
      onlyKeys(body, QUERY_KEYS);
      noShardKey(body);
      const offset = optUint(body, 'offset') ?? 0;
      const withPayload = parseWithPayload(body.with_payload, false);
      const withVector = parseWithVector(col, body.with_vector);
      const node = parseQueryNode(col, body, QUERY_KEYS);
      // Offset skips from the top of the ranking: ask the node for offset + limit.
      const scored = runNode(col, { ...node, limit: node.limit + offset }, undefined).slice(offset);
      return {
        points: scored.map(({ point, score }) => ({
          ...record(point, withPayload, withVector),
          version: point.version,
          score,
        })),
      };
    }),
  );

  app.notFound(async (c) => {
    requests.push({
      seq: ++seq,
      method: c.req.method,
      path: new URL(c.req.url).pathname,
      query: Object.fromEntries(new URL(c.req.url).searchParams),
      body: await c.req.text(),
      hasApiKey: c.req.header('api-key') !== undefined,
      apiKeyValid: opts.apiKey === undefined || c.req.header('api-key') === opts.apiKey,
      status: 404,
    });
    return c.json(
      { status: { error: `fake-qdrant: no route for ${c.req.method} ${c.req.path}` }, time: 0 },
      404,
    );
  });

  const server = await listen(app.fetch, {
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.host !== undefined ? { hostname: opts.host } : {}),
    closeConnections: 'all',
  });

  return {
    url: server.url,
    requests,
    failNext(n, status, faultOpts = {}) {
      faults.push({
        remaining: n,
        status,
        message: faultOpts.message ?? 'Service internal error: injected fault',
        ...(faultOpts.path !== undefined ? { path: faultOpts.path } : {}),
        ...(faultOpts.method !== undefined ? { method: faultOpts.method } : {}),
      });
    },
    collectionNames: () => [...collections.keys()],
    points(name) {
      const col = collections.get(name);
      if (!col) return undefined;
      return sortedPoints(col).map((p) => ({
        id: p.id.id,
        vectors: Object.fromEntries([...p.dense, ...p.sparse]),
        payload: structuredClone(p.payload),
      }));
    },
    reset() {
      requests.length = 0;
      faults = [];
    },
    close: () => server.close(),
  };
}
