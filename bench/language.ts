/**
 * `npm run bench language`: offline language detection (eld, large database) on short customer
 * messages in the seven supported languages: first-call (database load) time, per-call p50/p95,
 * and the memory the database adds to the process.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { latencyRows, ms, printTable, summarize } from './stats.js';

const MESSAGES = [
  'hi where is my order',
  'I want to return the shoes I bought last week',
  'où est ma commande ?',
  'Bonjour, je voudrais un remboursement',
  'waar blijft mijn pakket',
  'kan ik een medewerker spreken',
  'Hallo, wo ist meine Bestellung?',
  'Ich möchte meine Adresse ändern',
  '¿Dónde está mi pedido?',
  'quiero hablar con un agente',
  "Dov'è il mio ordine?",
  'vorrei cambiare indirizzo di consegna',
  'Onde está a minha encomenda?',
  'quero falar com um atendente',
];

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { rounds: { type: 'string', default: '200' } } });
  const rounds = Number(values.rounds);
  const rssBefore = process.memoryUsage().rss;
  const loadStarted = performance.now();
  const { detectLanguage } = await import('../activities/understanding/language.js');
  detectLanguage('warm up: load the database');
  const loadMs = performance.now() - loadStarted;
  const rssLoaded = process.memoryUsage().rss;

  const latencies: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const text of MESSAGES) {
      const t0 = performance.now();
      detectLanguage(text);
      latencies.push(performance.now() - t0);
    }
  }
  console.log('\nnpm run bench language', args.join(' '));
  printTable('Offline language detection (eld, large database)', [
    ['calls', latencies.length, `${MESSAGES.length} short messages × ${rounds}`],
    ['first call (loads the database)', ms(loadMs)],
    ...latencyRows(summarize(latencies), 'per call'),
    ['RSS before / after loading', `${mb(rssBefore)} / ${mb(rssLoaded)}`, `+${mb(rssLoaded - rssBefore)}`],
  ]);
  return 0;
}
