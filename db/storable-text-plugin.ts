import {
  OperationNodeTransformer,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type PrimitiveValueListNode,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
  type ValueNode,
} from 'kysely';
import { cleanStrings, cleanText } from '../domain/text.js';

// A NUL or a lone surrogate written as a JSON escape: jsonb refuses both.
const UNSTORABLE_JSON_ESCAPE = /\\u0000|\\u[dD][89a-fA-F][0-9a-fA-F]{2}/;

/**
 * Postgres cannot store some strings: a NUL in text (`invalid byte sequence for encoding "UTF8":
 * 0x00`), a NUL or unpaired surrogate escape in jsonb. Such a value arrives from a customer, a
 * model or an API, and the insert would then fail the same way on every retry. Every bound string
 * is cleaned instead (`cleanText`: control characters dropped, lone surrogates replaced), and JSON
 * text carrying those escapes is re-serialised from cleaned values.
 */
export class StorableTextPlugin implements KyselyPlugin {
  readonly #transformer = new StorableTextTransformer();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node);
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}

class StorableTextTransformer extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    return { ...node, value: storable(node.value) };
  }

  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    return { ...node, values: node.values.map(storable) };
  }
}

function storable(value: unknown): unknown {
  if (typeof value !== 'string') return Array.isArray(value) ? value.map(storable) : value;
  if (UNSTORABLE_JSON_ESCAPE.test(value)) {
    try {
      return JSON.stringify(cleanStrings(JSON.parse(value)));
    } catch {
      // Not JSON: plain text that happens to contain a backslash-u; cleaned as text below.
    }
  }
  return cleanText(value);
}
