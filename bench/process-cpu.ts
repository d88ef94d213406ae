/**
 * CPU time of this process and of its descendants (the Temporal dev server, PostgreSQL), read from
 * Linux's /proc so a benchmark can say who used the cores. Elsewhere it reports only this process.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds by group: `bench process`, `Temporal server`, `PostgreSQL`, `worker process`, `other children`. */
export type CpuSample = Map<string, number>;

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every mainstream Linux. */
const CLOCK_TICKS = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  cpuSeconds: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm is in parentheses and may itself hold spaces or parentheses: split after the last ')'.
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    // After comm: state(0) ppid(1) … utime(11) stime(12).
    return {
      pid,
      ppid: Number(fields[1]),
      comm,
      cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS,
    };
  } catch {
    return undefined;
  }
}

function group(comm: string): string {
  if (comm === 'temporal') return 'Temporal server';
  if (comm.startsWith('postgres')) return 'PostgreSQL';
  if (comm === 'node') return 'worker process';
  return 'other children';
}

/** The current CPU seconds of this process and its descendants, grouped. */
export function sampleCpu(): CpuSample {
  const sample: CpuSample = new Map();
  const self = process.cpuUsage();
  sample.set('bench process', (self.user + self.system) / 1e6);
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return sample;
  }
  const stats = pids.map(readStat).filter((s): s is ProcStat => s !== undefined);
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const queue = [...(children.get(process.pid) ?? [])];
  while (queue.length) {
    const s = queue.shift()!;
    const name = group(s.comm);
    sample.set(name, (sample.get(name) ?? 0) + s.cpuSeconds);
    queue.push(...(children.get(s.pid) ?? []));
  }
  return sample;
}

/** Cores used per group between two samples taken `wallMs` apart. */
export function coresBetween(before: CpuSample, after: CpuSample, wallMs: number): Map<string, number> {
  const cores = new Map<string, number>();
  for (const [name, seconds] of after) {
    cores.set(name, Math.max(0, seconds - (before.get(name) ?? 0)) / (wallMs / 1000));
  }
  return cores;
}
