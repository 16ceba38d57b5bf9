import { spawnSync } from 'node:child_process';

/*
 * The PDF tests read a PDF back with poppler-utils (`pdftotext`, `pdftoppm`), a Debian package. A
 * clean machine (CI's) lacks it: the tests install it themselves, as root, with apt-get.
 */

const has = (tool: string) => spawnSync(tool, ['-v'], { stdio: 'ignore' }).status === 0;

function apt(args: string[]): boolean {
  const r = spawnSync('apt-get', args, { stdio: 'pipe', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 240_000 });
  return r.status === 0;
}

/** Makes sure `pdftotext` and `pdftoppm` are on PATH: `apt-get install -y poppler-utils` (after `apt-get update` if the first try fails). */
export function ensurePoppler(): void {
  if (has('pdftotext') && has('pdftoppm')) return;
  const install = ['install', '-y', '--no-install-recommends', 'poppler-utils'];
  if (!apt(install) && !(apt(['update']) && apt(install))) {
    throw new Error('poppler-utils is missing and `apt-get install -y poppler-utils` failed: install it (Debian: apt-get install poppler-utils) and rerun');
  }
  if (!has('pdftotext') || !has('pdftoppm')) throw new Error('poppler-utils was installed but pdftotext/pdftoppm are not on PATH');
}
