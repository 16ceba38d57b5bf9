import 'reflect-metadata';
import { shieldBench } from './shield.bench';

/** `npm run bench [-- name]`: runs the named benchmark, or all. They print figures, not pass/fail. */
const benches: Record<string, () => Promise<void>> = {
  shield: shieldBench,
};

async function main() {
  const wanted = process.argv.slice(2);
  const names = wanted.length ? wanted : Object.keys(benches);
  for (const name of names) {
    const bench = benches[name];
    if (!bench) throw new Error(`Unknown benchmark "${name}"; known: ${Object.keys(benches).join(', ')}`);
    process.stdout.write(`\n== ${name} ==\n`);
    await bench();
  }
}
main().then(() => process.exit(0), (e) => { process.stderr.write(`${e instanceof Error ? e.stack : e}\n`); process.exit(1); });
