/**
 * The one data converter of every Temporal client and worker of Parley (API, worker, CLI, tests,
 * benchmarks): payloads encrypted per customer (payload-codec.ts), failure messages encoded.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import type { Config } from '../config.js';
import type { Db } from '../../db/database.js';
import { createDataKeys, type DataKeys } from './data-keys.js';
import { createMasterKeys } from './master-keys.js';
import { createEncryptionCodec } from './payload-codec.js';

/** The failure converter module: the workflow bundle, workers and clients load it by path. */
export function failureConverterPath(): string {
  for (const ext of ['.ts', '.js']) {
    const path = fileURLToPath(new URL(`./failure-converter${ext}`, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('core/encryption/failure-converter not found');
}

/** The data keys of this deployment, or none when payload encryption is off (development only). */
export function createPayloadKeys(config: Pick<Config, 'payloadEncryption'>, db: Db): DataKeys | undefined {
  const { payloadEncryption } = config;
  if (!payloadEncryption.enabled) return undefined;
  return createDataKeys({ db, masterKeys: createMasterKeys(payloadEncryption.masterKeys) });
}

/** For every client and worker (`dataConverter`); converters other than codecs go by path. */
export function parleyDataConverter(keys: DataKeys | undefined): DataConverter {
  return {
    payloadCodecs: keys ? [createEncryptionCodec(keys)] : [],
    failureConverterPath: failureConverterPath(),
  };
}
