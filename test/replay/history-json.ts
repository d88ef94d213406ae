/**
 * Workflow histories to and from the JSON format Temporal's tools use (`temporal workflow show
 * --output json`, the Web UI's download): ProtoJSON of `temporal.api.history.v1.History`.
 *
 * Why not `historyToJSON` / `historyFromJSON` from @temporalio/common/lib/proto-utils: with this
 * dependency tree npm keeps protobufjs 7 at the top (for @grpc/proto-loader) and nests separate
 * protobufjs 8 copies under @temporalio/common and @temporalio/proto. The SDK functions then pass
 * a Type from @temporalio/proto's copy to the protojson of @temporalio/common's copy, whose
 * `instanceof Type` check fails ("type must be a Type"). Here protojson comes from the very copy
 * @temporalio/proto uses, so it works whichever way npm lays the tree out.
 */
import { createRequire } from 'node:module';
import type { History } from '@temporalio/common/lib/proto-utils.js';

interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): History;
}

const fromCommon = createRequire(createRequire(import.meta.url).resolve('@temporalio/common'));
const proto = fromCommon('@temporalio/proto') as {
  temporal: { api: { history: { v1: { History: { fromObject(o: unknown): unknown } } } } };
};
const { patchProtobufRoot } = fromCommon('@temporalio/proto/lib/patch-protobuf-root') as {
  patchProtobufRoot(root: unknown): { lookupType(name: string): unknown };
};
const protojson = createRequire(fromCommon.resolve('@temporalio/proto'))(
  'protobufjs/ext/protojson',
) as ProtoJson;
const historyType = patchProtobufRoot(proto).lookupType('temporal.api.history.v1.History');

/** A History (as `WorkflowHandle.fetchHistory()` returns it) as pretty-printed ProtoJSON text. */
export function historyToJSON(history: History): string {
  const message = proto.temporal.api.history.v1.History.fromObject(history);
  return JSON.stringify(protojson.toJson(historyType, message), null, 2);
}

/** Parses ProtoJSON history (text or an already-parsed object) into a History for the replayer. */
export function historyFromJSON(json: string | object): History {
  const parsed: unknown = typeof json === 'string' ? JSON.parse(json) : json;
  return protojson.fromJson(historyType, parsed, { ignoreUnknownFields: true });
}
