/**
 * What recorded histories exercise, and what a workflow's code can do, so the replay suite can
 * tell when a path has no recorded history to guard it.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

interface HistoryJson {
  events: {
    eventType: string;
    userMetadata?: { summary?: { data?: string } };
    activityTaskScheduledEventAttributes?: { activityType?: { name?: string } };
    markerRecordedEventAttributes?: {
      markerName?: string;
      details?: Record<string, { payloads?: { data?: string }[] }>;
    };
  }[];
}

const decode = (base64: string | undefined): unknown =>
  base64 === undefined ? undefined : JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));

/** The activities a history scheduled, in order: regular ones and local ones (their markers). */
export function activitiesIn(history: HistoryJson): string[] {
  const types: string[] = [];
  for (const event of history.events) {
    const scheduled = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (scheduled) types.push(scheduled);
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName === 'core_local_activity') {
      const data = decode(marker.details?.data?.payloads?.[0]?.data) as
        { activity_type?: string } | undefined;
      if (data?.activity_type) types.push(data.activity_type);
    }
  }
  return types;
}

export const activityTypesIn = (history: HistoryJson): Set<string> => new Set(activitiesIn(history));

/** The summaries (Web UI names) of the activities and timers a history scheduled, in order. */
export function summariesIn(history: HistoryJson, eventType: string): string[] {
  return history.events
    .filter((e) => e.eventType === eventType && e.userMetadata?.summary?.data)
    .map((e) => String(decode(e.userMetadata!.summary!.data)));
}

/** Patch ids a history recorded as taken (`patched()` returning true). */
export function patchesIn(history: HistoryJson): Set<string> {
  const ids = new Set<string>();
  for (const event of history.events) {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_patch') continue;
    const patch = decode(marker.details?.['patch-data']?.payloads?.[0]?.data) as { id?: string } | undefined;
    if (patch?.id) ids.add(patch.id);
  }
  return ids;
}

/** The workflow source files `entry` reaches through relative imports (itself included). */
export function workflowModules(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    // Type-only imports bring no code into the bundle (activities, the refund workflow's type).
    for (const [, typeOnly, spec] of source.matchAll(
      /(?:import|export)\s+(type\s)?[^;]*?from\s+'(\.[^']+)\.js'/g,
    )) {
      if (!typeOnly) visit(resolve(dirname(file), `${spec}.ts`));
    }
  };
  visit(resolve(entry));
  return [...seen];
}

/**
 * The activity types a workflow's code can schedule: every method called with `executeWithOptions`
 * (how workflow code here calls activities, so each call has a summary in the Web UI) or directly
 * on a `proxyActivities` / `proxyLocalActivities` proxy, in the modules the workflow reaches.
 */
export function schedulableActivityTypes(entry: string): Set<string> {
  const sources = workflowModules(entry).map((f) => readFileSync(f, 'utf8'));
  const proxies = new Set<string>();
  for (const source of sources) {
    for (const [, name] of source.matchAll(/(?:const|let)\s+(\w+)\s*=\s*proxy(?:Local)?Activities\b/g))
      proxies.add(name!);
  }
  const types = new Set<string>();
  for (const source of sources) {
    for (const [, method] of source.matchAll(/\.\s*(\w+)\s*\.executeWithOptions\(/g)) types.add(method!);
    for (const [, proxy, method] of source.matchAll(/\b(\w+)\s*\.\s*(\w+)\s*\(/g)) {
      if (proxies.has(proxy!) && method !== 'executeWithOptions') types.add(method!);
    }
  }
  return types;
}

/** `patched('id')` calls in a workflow's modules. */
export function patchIdsIn(entry: string): Set<string> {
  const ids = new Set<string>();
  for (const file of workflowModules(entry)) {
    for (const [, id] of readFileSync(file, 'utf8').matchAll(/\bpatched\('([^']+)'\)/g)) ids.add(id!);
  }
  return ids;
}
