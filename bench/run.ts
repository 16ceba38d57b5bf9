import 'reflect-metadata';
import { journalBench } from './journal.bench';
import { readsBench } from './reads.bench';
import { shieldBench } from './shield.bench';
import { subscriptionsBench } from './subscriptions.bench';

/**
 * `npm run bench [-- name… --option=value]`: runs the named benchmarks, or all. They print figures,
 * not pass/fail; options (`--n=2000`) are read by the benchmarks themselves.
 */
const benches: Record<string, () => Promise<void>> = {
  shield: shieldBench,
  subscriptions: subscriptionsBench,
  reads: readsBench,
  journal: journalBench,
};

async function main() {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const names = wanted.length ? wanted : Object.keys(benches);
  for (const name of names) {
    const bench = benches[name];
    if (!bench) throw new Error(`Unknown benchmark "${name}"; known: ${Object.keys(benches).join(', ')}`);
    process.stdout.write(`\n== ${name} ==\n`);
    await bench();
  }
}
main().then(() => process.exit(0), (e) => { process.stderr.write(`${e instanceof Error ? e.stack : e}\n`); process.exit(1); });
